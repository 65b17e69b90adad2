// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests of the read-only data chunks (rodata.c): what is given out
 * is zeroed, aligned, apart from every other part, read-only and never
 * executable; a write lands; what is given back is cleared; a large part
 * gets a chunk of its own; and nothing is left given out.
 */

#include <kunit/test.h>
#include <linux/pgtable.h>
#include <linux/sizes.h>
#include <asm/pgtable_types.h>

#include "rax.h"

/* Whether every byte of [@p, @p + @len) is @c. */
static bool rax_test_all(const u8 *p, size_t len, u8 c)
{
	return !memchr_inv(p, c, len);
}

static void rax_test_expect_ro(struct kunit *test, const void *p)
{
	unsigned int level;
	pte_t *pte = lookup_address((unsigned long)p, &level);

	KUNIT_ASSERT_NOT_NULL(test, pte);
	KUNIT_EXPECT_TRUE(test, pte_present(*pte));
	KUNIT_EXPECT_FALSE(test, pte_write(*pte));
	KUNIT_EXPECT_FALSE(test, pte_exec(*pte));
}

static void rax_rodata_write_test(struct kunit *test)
{
	unsigned long units, units0;
	u8 *p, *src;

	rax_ro_chunks_used(&units0);
	src = kunit_kmalloc(test, 3 * RAX_RO_UNIT, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, src);
	memset(src, 0x5a, 3 * RAX_RO_UNIT);

	p = rax_ro_alloc(3 * RAX_RO_UNIT, 8);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, (unsigned long)p % RAX_RO_UNIT, 0UL);
	KUNIT_EXPECT_TRUE(test, rax_test_all(p, 3 * RAX_RO_UNIT, 0));
	rax_test_expect_ro(test, p);
	rax_ro_chunks_used(&units);
	KUNIT_EXPECT_EQ(test, units, units0 + 3);

	KUNIT_EXPECT_EQ(test, rax_ro_write(p + 1, src, 3 * RAX_RO_UNIT - 1), 0);
	KUNIT_EXPECT_EQ(test, p[0], 0);
	KUNIT_EXPECT_TRUE(test, rax_test_all(p + 1, 3 * RAX_RO_UNIT - 1, 0x5a));
	rax_test_expect_ro(test, p);

	rax_ro_free(p, 3 * RAX_RO_UNIT);
	rax_ro_chunks_used(&units);
	KUNIT_EXPECT_EQ(test, units, units0);
	/* Given back cleared: the same room, first fit, comes back zeroed. */
	p = rax_ro_alloc(3 * RAX_RO_UNIT, 8);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, rax_test_all(p, 3 * RAX_RO_UNIT, 0));
	rax_ro_free(p, 3 * RAX_RO_UNIT);
}

static void rax_rodata_apart_test(struct kunit *test)
{
	static const u32 sizes[] = { 64, 128, 64, 4096, 192, 64 };
	static const u32 aligns[] = { 1, 64, 16, 4096, 256, 4096 };
	u8 *p[ARRAY_SIZE(sizes)], *buf;
	unsigned long units0, units;
	unsigned int i, j;

	buf = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	rax_ro_chunks_used(&units0);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		p[i] = rax_ro_alloc(sizes[i], aligns[i]);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		KUNIT_EXPECT_EQ(test, (unsigned long)p[i] % max(aligns[i], RAX_RO_UNIT), 0UL);
		/* Fill it, so that an overlap shows in its neighbour. */
		memset(buf, i + 1, sizes[i]);
		KUNIT_EXPECT_EQ(test, rax_ro_write(p[i], buf, sizes[i]), 0);
	}
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		KUNIT_EXPECT_TRUE(test, rax_test_all(p[i], sizes[i], i + 1));
		for (j = 0; j < ARRAY_SIZE(sizes); j++)
			KUNIT_EXPECT_TRUE(test, i == j || p[i] + sizes[i] <= p[j] ||
					  p[j] + sizes[j] <= p[i]);
	}
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		rax_ro_free(p[i], sizes[i]);
	rax_ro_chunks_used(&units);
	KUNIT_EXPECT_EQ(test, units, units0);
}

static void rax_rodata_large_test(struct kunit *test)
{
	unsigned long units0, units;
	unsigned int chunks0, chunks;
	u32 size = SZ_256K + 5 * RAX_RO_UNIT;
	u8 *p, *q;

	chunks0 = rax_ro_chunks_used(&units0);
	p = rax_ro_alloc(size, PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, p);
	chunks = rax_ro_chunks_used(&units);
	KUNIT_EXPECT_EQ(test, units, units0 + size / RAX_RO_UNIT);
	/* A chunk of its own, freed with it. */
	KUNIT_EXPECT_EQ(test, chunks, chunks0 + 1);
	KUNIT_EXPECT_TRUE(test, rax_test_all(p, size, 0));
	rax_test_expect_ro(test, p);
	rax_test_expect_ro(test, p + size - 1);
	/* The last page of a part larger than half a chunk, written. */
	q = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	memset(q, 0xa5, PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, rax_ro_write(p + size - PAGE_SIZE, q, PAGE_SIZE), 0);
	KUNIT_EXPECT_TRUE(test, rax_test_all(p + size - PAGE_SIZE, PAGE_SIZE, 0xa5));
	rax_ro_free(p, size);
	chunks = rax_ro_chunks_used(&units);
	KUNIT_EXPECT_EQ(test, units, units0);
	KUNIT_EXPECT_EQ(test, chunks, chunks0);
}

static void rax_rodata_bad_test(struct kunit *test)
{
	unsigned long units0, units;

	rax_ro_chunks_used(&units0);
	KUNIT_EXPECT_NULL(test, rax_ro_alloc(0, 8));
	KUNIT_EXPECT_NULL(test, rax_ro_alloc(RAX_RO_UNIT + 1, 8));
	KUNIT_EXPECT_NULL(test, rax_ro_alloc(RAX_RO_UNIT, 24));
	KUNIT_EXPECT_NULL(test, rax_ro_alloc(RAX_RO_UNIT, 2 * PAGE_SIZE));
	KUNIT_EXPECT_NULL(test, rax_ro_alloc(RAX_IMAGE_SIZE_MAX + RAX_RO_UNIT, 8));
	rax_ro_chunks_used(&units);
	KUNIT_EXPECT_EQ(test, units, units0);
}

static struct kunit_case rax_rodata_test_cases[] = {
	KUNIT_CASE(rax_rodata_write_test),
	KUNIT_CASE(rax_rodata_apart_test),
	KUNIT_CASE(rax_rodata_large_test),
	KUNIT_CASE(rax_rodata_bad_test),
	{}
};

static struct kunit_suite rax_rodata_test_suite = {
	.name = "rax_rodata",
	.test_cases = rax_rodata_test_cases,
};

kunit_test_suite(rax_rodata_test_suite);

MODULE_DESCRIPTION("KUnit tests of the Rax read-only data chunks");
MODULE_LICENSE("GPL");
