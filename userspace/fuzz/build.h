/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What build.c, which builds calls, and defect.c, which spoils them, share.
 */
#ifndef FUZZ_BUILD_H
#define FUZZ_BUILD_H

#include "fuzz.h"

enum defect {
	D_ARG_BAD, D_ARG_CROSS, D_SIZE_SMALL, D_SIZE_TAIL, D_SIZE_FAULT,
	D_ARG_RO, D_FLAGS, D_RESERVED, D_TTL, D_KEY_LEN0, D_KEY_LONG,
	D_KEY_BAD, D_VAL_LONG, D_VAL_BAD, D_DEL_VALUE, D_OUT_BAD, D_CURSOR,
	NR_DEFECTS
};

/* Where and how the argument struct goes. */
struct plan {
	enum hz_where w;
	uint32_t size;
	bool nonzero_tail;
};

/* The fields of the struct a key command has, wherever they are. */
struct fields {
	uint32_t *flags, *key_len, *value_len, *reserved, *ttl;
	__u64 *key, *value;
};

struct fields fields_of(struct fz_call *c);
bool defect_applies(enum defect d, int cmd);
enum defect pick_defect(struct fz_thread *t, int cmd, bool clean);
void apply_defect(struct fz_thread *t, struct fz_call *c, struct plan *p,
		  enum defect d);
void spoil_flags(struct fz_thread *t, struct fz_call *c);
void spoil_out(struct fz_thread *t, struct fz_call *c);
uint64_t bad_in(struct fz_thread *t, struct fz_call *c, enum hz_role role,
		const char *field, const void *src, uint32_t len);

#endif /* FUZZ_BUILD_H */
