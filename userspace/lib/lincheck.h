/* SPDX-License-Identifier: GPL-2.0 */
/*
 * lincheck - decide whether a recorded history of operations on a shared
 * key-value map is linearizable.
 *
 * Each op carries the CLOCK_MONOTONIC times taken just before the call and
 * just after it returned, and the result the map gave. The history is
 * linearizable if every op can be given a point between its call and its
 * return such that, performed one at a time in that order, a sequential map
 * would have given exactly the recorded results. Every key starts absent.
 *
 * The sequential model of one key: absent, or present with a 64-bit value.
 *
 *   GET  ok: out = value.                      Absent: ENOENT.
 *   PUT  value = arg.                          NOEXIST on present: EEXIST;
 *                                              EXIST on absent: ENOENT.
 *   DEL  ok, key becomes absent.               Absent: ENOENT.
 *   ADD  present: value += (int64_t)arg (wrapping), out = new value;
 *        absent: created with value = out = arg. NOEXIST/EXIST as for PUT.
 *   CAS  present and value == arg2: value = arg. Absent: ENOENT.
 *        Present with another value: LIN_CAS_MISMATCH, out = that value.
 *
 * A failed op leaves the map unchanged. Only the errnos above can be
 * judged: an op that failed with any other one (ENOSPC, ENOMEM, ...) did
 * nothing and must be left out of the history, as must an op whose result
 * was not observed.
 */
#ifndef LINCHECK_H
#define LINCHECK_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

/* PUT and ADD flags; same meaning as BPF_ANY, BPF_NOEXIST, BPF_EXIST. */
#define LIN_ANY		0
#define LIN_NOEXIST	1
#define LIN_EXIST	2

/*
 * The errno of a CAS that found an unexpected value. Callers map whatever
 * errno the kernel uses for that to this one.
 */
#define LIN_CAS_MISMATCH	ECANCELED

enum lin_kind { LIN_GET, LIN_PUT, LIN_DEL, LIN_ADD, LIN_CAS };

struct lin_op {
	uint64_t call;		/* ns, before the call */
	uint64_t ret;		/* ns, after it returned */
	uint32_t key;		/* key id: partitions the history */
	uint8_t kind;		/* enum lin_kind */
	uint8_t flags;		/* PUT, ADD: LIN_ANY, LIN_NOEXIST, LIN_EXIST */
	uint16_t thread;	/* for reports only */
	int32_t err;		/* 0 or the positive errno returned */
	uint64_t arg;		/* PUT: value; ADD: delta; CAS: new value */
	uint64_t arg2;		/* CAS: expected value */
	uint64_t out;		/* GET, ADD: value returned; CAS mismatch: current value */
};

enum lin_verdict { LIN_OK, LIN_VIOLATION, LIN_UNKNOWN };

struct lin_result {
	enum lin_verdict verdict;
	uint32_t bad_key;	/* with LIN_VIOLATION: the lowest key whose history fails */
	size_t keys, ops;	/* keys and ops whose check completed */
	double seconds;		/* time spent */
	char why[256];		/* human-readable: what failed, why unknown, what was rejected */
};

/*
 * Check @n ops, given in any order; @ops is not modified. Keys are checked
 * one at a time in ascending order, stopping at the first violation.
 * @time_limit_s > 0 bounds the whole check: a search still running past it
 * stops with LIN_UNKNOWN, never LIN_OK; <= 0 means no limit. The clock is
 * read every 1024 search steps, so a check that completes slightly past
 * the limit keeps its real verdict.
 *
 * Return: 0 with @res filled in; -EINVAL for a malformed op (ret < call,
 * unknown kind, bad flags, an errno the op cannot return; res->why names
 * it) or more than INT32_MAX / 2 ops; -ENOMEM.
 */
int lin_check(const struct lin_op *ops, size_t n, double time_limit_s,
	      struct lin_result *res);

/* "pass", "violation", "unknown" */
const char *lin_verdict_name(enum lin_verdict v);

/* Format one op for messages, e.g. "t3 PUT k7 42 -> ok [1200, 1350]". */
void lin_op_format(const struct lin_op *op, char *buf, size_t len);

#endif /* LINCHECK_H */
