// SPDX-License-Identifier: GPL-2.0-only
/*
 * The read-only data of Rax programs, packed.
 *
 * Made read-only one program at a time, a program's read-only data costs
 * every load a set_memory_ro(): a split of the direct map's large page
 * and a TLB flush on every CPU, and its unload another flush. As
 * bpf_prog_pack does for JIT code, the read-only data of programs shares
 * chunks of module-range memory (which the code's 32-bit relocations
 * reach) that are made read-only once, when the chunk is allocated. A
 * load writes its part through text_poke_copy(), a mapping of its own on
 * this CPU alone; an unload clears it the same way. The memory is never
 * executable and never writable through the address the program sees.
 *
 * A part is a whole number of RAX_RO_UNIT units: two programs never share
 * a unit, and a part begins on the alignment its sections ask for (at
 * most a page). A part larger than half a chunk gets a chunk of its own
 * size. Chunks are freed as they empty, except one empty chunk of the
 * usual size, which the next load takes without changing any page's
 * permissions.
 */

#define pr_fmt(fmt) "rax: " fmt

#include <linux/bitmap.h>
#include <linux/execmem.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/set_memory.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <asm/text-patching.h>

#include "rax.h"

#define RAX_RO_CHUNK_SIZE	SZ_256K

struct rax_ro_chunk {
	struct list_head list;
	u8 *base;
	u32 units;		/* its size in units */
	u32 used;		/* units given out */
	unsigned long bitmap[];	/* one bit a unit, set when given out */
};

static LIST_HEAD(rax_ro_chunks);
static DEFINE_MUTEX(rax_ro_mutex);

static void rax_ro_chunk_free(struct rax_ro_chunk *c)
{
	list_del(&c->list);
	/* VM_FLUSH_RESET_PERMS gives the pages back writable. */
	execmem_free(c->base);
	kfree(c);
}

/* A new chunk of @size bytes (a multiple of the page size), read-only. */
static struct rax_ro_chunk *rax_ro_chunk_new(u32 size)
{
	u32 units = size / RAX_RO_UNIT;
	struct rax_ro_chunk *c;

	/* Shared by programs of every cgroup: not charged to one, as the
	 * BPF program pack is not.
	 */
	c = kzalloc(struct_size(c, bitmap, BITS_TO_LONGS(units)), GFP_KERNEL);
	if (!c)
		return NULL;
	c->base = execmem_alloc(EXECMEM_MODULE_DATA, size);
	if (!c->base) {
		kfree(c);
		return NULL;
	}
	memset(c->base, 0, size);
	c->units = units;
	list_add_tail(&c->list, &rax_ro_chunks);
	set_vm_flush_reset_perms(c->base);
	if (set_memory_ro((unsigned long)c->base, size >> PAGE_SHIFT)) {
		rax_ro_chunk_free(c);
		return NULL;
	}
	return c;
}

/**
 * rax_ro_alloc() - Give out room for a program's read-only data.
 * @size: its size in bytes, a multiple of RAX_RO_UNIT, not zero.
 * @align: the alignment it needs, a power of two of at most a page.
 *
 * The room is zeroed and read-only: write it with rax_ro_write(). Process
 * context only.
 *
 * Return: its address, or NULL when @size or @align are out of range or
 * memory is short.
 */
void *rax_ro_alloc(u32 size, u32 align)
{
	u32 n = size / RAX_RO_UNIT, mask;
	struct rax_ro_chunk *c;
	unsigned long pos;
	void *p = NULL;

	if (!size || size % RAX_RO_UNIT || size > RAX_IMAGE_SIZE_MAX ||
	    !is_power_of_2(align) || align > PAGE_SIZE)
		return NULL;
	mask = max_t(u32, align, RAX_RO_UNIT) / RAX_RO_UNIT - 1;

	mutex_lock(&rax_ro_mutex);
	list_for_each_entry(c, &rax_ro_chunks, list) {
		pos = bitmap_find_next_zero_area(c->bitmap, c->units, 0, n, mask);
		if (pos + n <= c->units)
			goto found;
	}
	c = rax_ro_chunk_new(size > RAX_RO_CHUNK_SIZE / 2 ? PAGE_ALIGN(size) : RAX_RO_CHUNK_SIZE);
	if (!c)
		goto out;
	pos = 0;
found:
	bitmap_set(c->bitmap, pos, n);
	c->used += n;
	p = c->base + pos * RAX_RO_UNIT;
out:
	mutex_unlock(&rax_ro_mutex);
	return p;
}

/**
 * rax_ro_write() - Write a program's read-only data.
 * @dst: room from rax_ro_alloc(), or inside it.
 * @src: the data.
 * @size: its size; [@dst, @dst + @size) lies in the room.
 *
 * Process context only; takes text_mutex.
 *
 * Return: 0, or -EFAULT when the write was refused (and warned about).
 */
int rax_ro_write(void *dst, const void *src, u32 size)
{
	return text_poke_copy(dst, src, size) ? 0 : -EFAULT;
}

/* The chunk holding @p, under rax_ro_mutex. */
static struct rax_ro_chunk *rax_ro_chunk_of(const u8 *p)
{
	struct rax_ro_chunk *c;

	list_for_each_entry(c, &rax_ro_chunks, list)
		if (p >= c->base && p < c->base + (size_t)c->units * RAX_RO_UNIT)
			return c;
	return NULL;
}

/**
 * rax_ro_free() - Clear and give back room from rax_ro_alloc().
 * @p: its address.
 * @size: its size, as given to rax_ro_alloc().
 *
 * No program may still read it: the caller has waited for every run to
 * end. Process context only.
 */
void rax_ro_free(void *p, u32 size)
{
	u32 n = size / RAX_RO_UNIT;
	struct rax_ro_chunk *c, *e;
	unsigned long pos;

	mutex_lock(&rax_ro_mutex);
	c = rax_ro_chunk_of(p);
	pos = c ? ((u8 *)p - c->base) / RAX_RO_UNIT : 0;
	if (WARN_ON_ONCE(!c || ((u8 *)p - c->base) % RAX_RO_UNIT || pos + n > c->units ||
			 find_next_zero_bit(c->bitmap, pos + n, pos) < pos + n))
		goto out;
	text_poke_set(p, 0, size);
	bitmap_clear(c->bitmap, pos, n);
	c->used -= n;
	if (c->used)
		goto out;
	/* Keep one empty chunk of the usual size for the next load. */
	if ((size_t)c->units * RAX_RO_UNIT != RAX_RO_CHUNK_SIZE) {
		rax_ro_chunk_free(c);
		goto out;
	}
	list_for_each_entry(e, &rax_ro_chunks, list) {
		if (e != c && !e->used) {
			rax_ro_chunk_free(c);
			break;
		}
	}
out:
	mutex_unlock(&rax_ro_mutex);
}

/**
 * rax_ro_chunks_used() - Count the chunks and the units given out.
 * @units: set to the units given out in every chunk.
 *
 * For the KUnit tests: what a test gives back must leave the counts as
 * they were.
 *
 * Return: the number of chunks.
 */
unsigned int rax_ro_chunks_used(unsigned long *units)
{
	struct rax_ro_chunk *c;
	unsigned int n = 0;

	*units = 0;
	mutex_lock(&rax_ro_mutex);
	list_for_each_entry(c, &rax_ro_chunks, list) {
		n++;
		*units += c->used;
	}
	mutex_unlock(&rax_ro_mutex);
	return n;
}
