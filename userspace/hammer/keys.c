// SPDX-License-Identifier: GPL-2.0
/*
 * Choosing keys, and the bytes of keys and values.
 *
 * A key is its index in decimal, zero-padded to --key-size bytes behind a
 * one-letter prefix: "k" for keys that hold --value-size values, "c" for
 * keys that hold 8-byte counters. The two spaces never meet, so ADD never
 * finds a 64-byte value where it expects a counter. Keys are readable, so
 * rcumapctl can look at what a run left behind.
 *
 * A value is a function of its length and a 64-bit word: the word's bytes
 * first (native-endian, as the kernel's counters are), then bytes derived
 * from it. An 8-byte value is just the word, i.e. a counter; a longer one
 * can be checked byte for byte by whoever knows the word.
 */
#include <endian.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "hammer.h"

static double zeta(uint32_t n, double theta)
{
	double sum = 0;
	uint32_t i;

	for (i = 1; i <= n; i++)
		sum += pow(i, -theta);
	return sum;
}

/*
 * Gray, Sundaresan et al., "Quickly generating billion-record synthetic
 * databases" (SIGMOD 1994): the constants cost O(n) once, then each draw is
 * O(1). Valid for 0 <= theta < 1; rank 0 is the most popular.
 */
void zipf_init(struct zipf *z, uint32_t n, double theta)
{
	z->n = n;
	z->theta = theta;
	z->alpha = 1 / (1 - theta);
	z->zetan = zeta(n, theta);
	z->two_point = 1 + pow(0.5, theta);
	z->eta = (1 - pow(2.0 / n, 1 - theta)) / (1 - zeta(2, theta) / z->zetan);
}

uint32_t zipf_next(const struct zipf *z, uint64_t *rng)
{
	double u = (rng_next(rng) >> 11) * 0x1p-53;
	double uz = u * z->zetan;
	uint32_t r;

	if (uz < 1)
		return 0;
	if (uz < z->two_point)
		return 1;
	r = z->n * pow(z->eta * u - z->eta + 1, z->alpha);
	return r < z->n ? r : z->n - 1;
}

/* Decimal digits of the largest key index. */
unsigned int key_digits(uint32_t keys)
{
	unsigned int d = 1;
	uint32_t i;

	for (i = keys - 1; i >= 10; i /= 10)
		d++;
	return d;
}

/* The options check that --key-size leaves room for key_digits(). */
void key_fill(unsigned char *buf, uint32_t size, bool counter, uint32_t idx)
{
	uint32_t i;

	buf[0] = counter ? 'c' : 'k';
	for (i = size - 1; i >= 1; i--) {
		buf[i] = '0' + idx % 10;
		idx /= 10;
	}
}

/* A key as a C string for messages; long keys are shown cut short. */
void key_name(char *buf, size_t len, const struct config *cfg, bool counter,
	      uint32_t idx)
{
	unsigned char key[RCUMAP_KEY_LEN_LIMIT];

	key_fill(key, cfg->key_size, counter, idx);
	snprintf(buf, len, "%.*s", (int)cfg->key_size, (const char *)key);
}

/* Byte @i (8 or more) of the value of a word whose mix is @mixed. */
static unsigned char value_byte(uint64_t mixed, uint32_t i)
{
	return (unsigned char)(mixed >> (8 * (i % 8))) ^ (i / 8);
}

static uint64_t value_mix(uint64_t word)
{
	return word * 0x9e3779b97f4a7c15ULL;
}

/*
 * Bytes @i..@i+7 (@i a multiple of 8) as they lie in memory: value_byte()
 * of each, made a word at a time, which a value of a megabyte needs (a
 * writer of the hot-key mode fills one per PUT). @le is the mix in
 * little-endian byte order, least significant byte first.
 */
static uint64_t value_chunk(uint64_t le, uint32_t i)
{
	return le ^ (i / 8 & 0xff) * 0x0101010101010101ULL;
}

void value_fill(unsigned char *buf, uint32_t len, uint64_t word)
{
	uint64_t mixed = value_mix(word), le = htole64(mixed), chunk;
	uint32_t i;

	memcpy(buf, &word, len < 8 ? len : 8);
	for (i = 8; i + 8 <= len; i += 8) {
		chunk = value_chunk(le, i);
		memcpy(buf + i, &chunk, 8);
	}
	for (; i < len; i++)
		buf[i] = value_byte(mixed, i);
}

/* The word a value starts with; a short value gives its bytes only. */
uint64_t value_word(const unsigned char *buf, uint32_t len)
{
	uint64_t word = 0;

	memcpy(&word, buf, len < 8 ? len : 8);
	return word;
}

/*
 * Whether a value is all of one value_fill(): false for a value torn
 * between two writes, its first word from one and later bytes from another.
 */
bool value_whole(const unsigned char *buf, uint32_t len)
{
	uint64_t mixed = value_mix(value_word(buf, len)), le = htole64(mixed);
	uint64_t chunk;
	uint32_t i;

	for (i = 8; i + 8 <= len; i += 8) {
		chunk = value_chunk(le, i);
		if (memcmp(buf + i, &chunk, 8))
			return false;
	}
	for (; i < len; i++)
		if (buf[i] != value_byte(mixed, i))
			return false;
	return true;
}
