/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsing command-line numbers, shared by the tools; each tool words its
 * own message around a failure.
 */
#ifndef RCUMAP_PARSE_H
#define RCUMAP_PARSE_H

#include <stdbool.h>
#include <stdint.h>

bool parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif /* RCUMAP_PARSE_H */
