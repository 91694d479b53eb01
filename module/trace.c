// SPDX-License-Identifier: GPL-2.0
/*
 * The one definition of rcumap's trace events (rcumap_trace.h); the files
 * that fire them include the header without CREATE_TRACE_POINTS.
 */
#define CREATE_TRACE_POINTS
#include "rcumap_trace.h"
