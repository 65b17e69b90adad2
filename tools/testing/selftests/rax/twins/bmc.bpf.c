// SPDX-License-Identifier: GPL-2.0
/*
 * The eBPF twin of the Rax BMC (userspace/samples/bmc and bmc_tx): a
 * Memcached cache in the kernel, after BMC (Ghigoff et al., NSDI'21), with
 * the same maps, protocol handling and rules for keeping the cache from
 * going stale, written with the structure the verifier needs: the request
 * or reply copied into a per-CPU buffer and read there through masked
 * indices, scans over it as bpf_loop() callbacks, and the work split into
 * programs chained by tail calls (bmc_rx -> bmc_get -> bmc_reply, bmc_rx ->
 * bmc_write; bmc_tx -> bmc_fill -> bmc_fill ...), each small enough to be
 * verified on its own.
 *
 * Maps: cache (array, 4096 x struct entry with a spin lock), state (array,
 * 3 x u64), inflight (LRU hash, struct tag -> u64), pending (LRU hash,
 * struct tag -> u32), stats (per-CPU array, 8 x u64), scratch (per-CPU
 * array, 1 x struct scratch), xdp_progs and tc_progs (program arrays,
 * filled by libbpf from their initialisers).
 * Programs bmc_rx (XDP) and bmc_tx (tc egress); the others are tail calls.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ETH_P_IP	0x0800
#define ETH_ALEN	6
#define TC_ACT_OK	0
#define PORT		11211
#define BUCKETS		4096
#define KEY_MAX		128
#define ENTRY_MAX	512
#define REPLY_LEN	(8 + ENTRY_MAX + 5)
#define ALL_BUCKETS	0xffffffffu
#define BUF_LEN		2048	/* a datagram's payload fits */
#define BUF_MASK	(BUF_LEN - 1)
#define MAX_WORDS	8

enum {
	STAT_GETS, STAT_HITS, STAT_MISSES, STAT_WRITES, STAT_WRITES_ALL, STAT_FILLS,
	STAT_FILLS_REFUSED, STAT_ACKS
};

enum { SEQ, ALL_PENDING, ALL_CHANGED };
enum { PROG_GET, PROG_REPLY, PROG_WRITE };
enum { PROG_FILL };

struct entry_body {
	__u32 len;
	__u32 key_len;
	__u32 pending;
	__u32 pad;
	__u64 seq;
	__u64 changed;
	__u8 data[ENTRY_MAX];
};

struct entry {
	struct bpf_spin_lock lock;
	__u32 pad0;
	struct entry_body b;
};

struct tag {
	__u32 addr;
	__u16 port;
	__u16 id;
};

/* The request or reply being handled on this CPU, passed down the tail calls. */
struct scratch {
	__u8 buf[BUF_LEN + ENTRY_MAX];	/* the payload, after the frame header */
	__u8 reply[8 + 2 * ENTRY_MAX + 8];	/* a reply, room for masked indices */
	struct entry_body ent;	/* a copy of an entry, taken under its lock */
	__u8 hdr[96];		/* bmc_reply: the request's headers */
	__u32 len;		/* bytes in buf */
	__u32 line;		/* the first \r\n in buf, or len */
	__u32 l4;		/* the UDP header's offset */
	__u32 pos;		/* bmc_fill: the next block */
	__u32 nwords;		/* the first line's words */
	__u32 bad_words;	/* two spaces meet, or the line starts or ends with one */
	__u32 word_off[MAX_WORDS];
	__u32 word_len[MAX_WORDS];
	__u32 reply_len;
	__u32 pad;
	__u64 seq;		/* the sequence number the request saw */
	struct tag tag;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, BUCKETS);
	__type(key, __u32);
	__type(value, struct entry);
} cache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 3);
	__type(key, __u32);
	__type(value, __u64);
} state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct tag);
	__type(value, __u64);
} inflight SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct tag);
	__type(value, __u32);
} pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

static void count(__u32 stat)
{
	__u64 *c = bpf_map_lookup_elem(&stats, &stat);

	if (c)
		*c += 1;
}

static __u64 *state_at(__u32 i)
{
	return bpf_map_lookup_elem(&state, &i);
}

static __u64 state_of(__u32 i)
{
	__u64 *s = state_at(i);

	return s ? *s : ~0ULL;
}

static __u64 next_seq(void)
{
	__u64 *s = state_at(SEQ);

	return s ? __sync_fetch_and_add(s, 1) + 1 : ~0ULL;
}

static void state_max(__u32 i, __u64 v)
{
	__u64 *s = state_at(i);
	__u64 old;
	int n;

	if (!s)
		return;
	for (n = 0; n < 64; n++) {
		old = *s;
		if (old >= v || __sync_bool_compare_and_swap(s, old, v))
			return;
	}
}

static struct scratch *scratch_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch, &zero);
}

struct hash_ctx {
	struct scratch *s;
	__u32 off;
	__u32 h;
};

static long hash_cb(__u64 i, void *data)
{
	struct hash_ctx *c = data;

	c->h = (c->h ^ c->s->buf[(c->off + i) & BUF_MASK]) * 0x01000193;
	return 0;
}

/* FNV-1a over buf[off, off + len). */
static __u32 hash(struct scratch *s, __u32 off, __u32 len)
{
	struct hash_ctx c = { .s = s, .off = off, .h = 0x811c9dc5 };

	bpf_loop(len, hash_cb, &c, 0);
	return c.h;
}

struct cmp_ctx {
	struct scratch *s;
	__u32 off;
	__u32 diff;
};

/* bpf_loop callback: the copied entry's key against buf[off, ...). */
static long cmp_cb(__u64 i, void *data)
{
	struct cmp_ctx *c = data;

	if (c->s->ent.data[(6 + i) & (ENTRY_MAX - 1)] != c->s->buf[(c->off + i) & BUF_MASK]) {
		c->diff = 1;
		return 1;
	}
	return 0;
}

struct scan {
	struct scratch *s;
	__u32 from;
	__u32 end;
	__u32 found;
};

/* bpf_loop callback: the first \r\n in buf[from, end). */
static long crlf_cb(__u64 i, void *data)
{
	struct scan *c = data;
	__u32 at = c->from + (__u32)i;

	if (at + 1 >= c->end)
		return 1;
	if (c->s->buf[at & BUF_MASK] == '\r' && c->s->buf[(at + 1) & BUF_MASK] == '\n') {
		c->found = at;
		return 1;
	}
	return 0;
}

/* The first \r\n at or after @from, or @end if none. */
static __u32 find_crlf(struct scratch *s, __u32 from, __u32 end)
{
	struct scan c = { .s = s, .from = from, .end = end, .found = end };

	bpf_loop(BUF_LEN, crlf_cb, &c, 0);
	return c.found;
}

struct words {
	struct scratch *s;
	__u32 from;
	__u32 end;
	__u32 start;	/* the current word's start */
};

/* bpf_loop callback: splits buf[from, end) at spaces into s->word_*. */
static long words_cb(__u64 i, void *data)
{
	struct words *w = data;
	struct scratch *s = w->s;
	__u32 at = w->from + (__u32)i;
	__u32 n = s->nwords;

	if (at > w->end)
		return 1;
	if (at < w->end && s->buf[at & BUF_MASK] != ' ')
		return 0;
	if (at == w->start)
		s->bad_words = 1;
	if (n < MAX_WORDS) {
		s->word_off[n] = w->start;
		s->word_len[n] = at - w->start;
	}
	s->nwords = n + 1;
	w->start = at + 1;
	return 0;
}

static void split_words(struct scratch *s, __u32 from, __u32 end)
{
	struct words w = { .s = s, .from = from, .end = end, .start = from };

	s->nwords = 0;
	s->bad_words = 0;
	bpf_loop(BUF_LEN + 1, words_cb, &w, 0);
}

static bool word_is(struct scratch *s, __u32 n, const char *str, __u32 len)
{
	__u32 i;

	if (n >= MAX_WORDS || s->word_len[n & (MAX_WORDS - 1)] != len)
		return false;
	for (i = 0; i < 8 && i < len; i++)
		if (s->buf[(s->word_off[n & (MAX_WORDS - 1)] + i) & BUF_MASK] != str[i])
			return false;
	return true;
}

#define WORD_IS(s, n, lit) word_is(s, n, lit, sizeof(lit) - 1)

/* Word @n as a decimal number of 1 to 9 digits, or -1. */
static long word_number(struct scratch *s, __u32 n)
{
	__u32 off, len, i;
	long v = 0;
	__u8 d;

	if (n >= MAX_WORDS)
		return -1;
	off = s->word_off[n & (MAX_WORDS - 1)];
	len = s->word_len[n & (MAX_WORDS - 1)];
	if (!len || len > 9)
		return -1;
	for (i = 0; i < 9 && i < len; i++) {
		d = s->buf[(off + i) & BUF_MASK];
		if (d < '0' || d > '9')
			return -1;
		v = v * 10 + (d - '0');
	}
	return v;
}

int bmc_get(struct xdp_md *ctx);
int bmc_reply(struct xdp_md *ctx);
int bmc_write(struct xdp_md *ctx);
int bmc_fill(struct __sk_buff *skb);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 3);
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} xdp_progs SEC(".maps") = {
	.values = {
		[PROG_GET] = (void *)&bmc_get,
		[PROG_REPLY] = (void *)&bmc_reply,
		[PROG_WRITE] = (void *)&bmc_write,
	},
};

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} tc_progs SEC(".maps") = {
	.values = { [PROG_FILL] = (void *)&bmc_fill },
};

/*
 * The headers of a UDP datagram to (@to_server) or from Memcached's port,
 * one frame of one datagram: the request's tag in s->tag, the payload's
 * length in s->len. 0; 1 if the payload is longer than s->buf; 2 for the
 * first fragment of a datagram to the server (later fragments have no UDP
 * header); -1 if it is none of these.
 */
static int parse_udp(struct scratch *s, void *data, void *data_end, bool to_server)
{
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp;
	__u8 *frame;
	__u32 ihl, ulen;
	bool fragment;

	if ((void *)(ip + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
		return -1;
	ihl = ip->ihl * 4;
	if (ip->version != 4 || ihl < 20 || ip->protocol != IPPROTO_UDP)
		return -1;
	fragment = ip->frag_off & bpf_htons(0x3fff);
	if (fragment && (!to_server || (ip->frag_off & bpf_htons(0x1fff))))
		return -1;
	udp = (void *)ip + ihl;
	frame = (void *)(udp + 1);
	if ((void *)(frame + 8) > data_end)
		return -1;
	if ((to_server ? udp->dest : udp->source) != bpf_htons(PORT))
		return -1;
	s->l4 = sizeof(*eth) + ihl;
	s->tag.addr = to_server ? ip->saddr : ip->daddr;
	s->tag.port = to_server ? udp->source : udp->dest;
	s->tag.id = (frame[0] << 8) | frame[1];
	if (fragment) {
		s->len = 0;
		return 2;
	}
	/* Byte by byte: the verifier keeps no bound through a byte swap. */
	ulen = ((__u8 *)&udp->len)[0] << 8 | ((__u8 *)&udp->len)[1];
	if (ulen < 16 || (void *)udp + ulen > data_end)
		return -1;
	if (frame[2] || frame[3] || frame[4] || frame[5] != 1)
		return -1;
	s->len = ulen - 16;
	return s->len <= BUF_LEN ? 0 : 1;
}

SEC("xdp")
int bmc_rx(struct xdp_md *ctx)
{
	struct scratch *s = scratch_get();
	__u32 len;
	int rc;

	if (!s)
		return XDP_PASS;
	rc = parse_udp(s, (void *)(long)ctx->data, (void *)(long)ctx->data_end, true);
	if (rc < 0)
		return XDP_PASS;
	len = s->len;
	/*
	 * A request too long to read, or in fragments (Memcached reads it once
	 * it has them all), is a write to every bucket.
	 */
	if (rc || len > BUF_LEN || (len && bpf_xdp_load_bytes(ctx, s->l4 + 16, s->buf, len))) {
		s->line = len;
		bpf_tail_call(ctx, &xdp_progs, PROG_WRITE);
		return XDP_DROP;
	}
	s->line = find_crlf(s, 0, len);
	/* One whole get line: a read. Anything else may write. */
	if (s->line + 2 == len && len >= 4 && s->buf[0] == 'g' && s->buf[1] == 'e' &&
	    s->buf[2] == 't' && s->buf[3] == ' ') {
		bpf_tail_call(ctx, &xdp_progs, PROG_GET);
		return XDP_PASS;
	}
	bpf_tail_call(ctx, &xdp_progs, PROG_WRITE);
	/* A write this cache did not see must not reach Memcached. */
	return XDP_DROP;
}

/*
 * Copies the entry of the key at buf[off, off + len) to s->reply: its
 * length, or 0. The entry is copied out under its lock and compared after:
 * no loop, let alone a helper, under the lock.
 */
static __u32 copy_entry(struct scratch *s, __u32 off, __u32 len)
{
	__u32 b = hash(s, off, len) & (BUCKETS - 1);
	__u64 all_changed = state_of(ALL_CHANGED);
	struct entry *e = bpf_map_lookup_elem(&cache, &b);
	struct cmp_ctx c = { .s = s, .off = off };

	if (!e)
		return 0;
	bpf_spin_lock(&e->lock);
	__builtin_memcpy(&s->ent, &e->b, sizeof(s->ent));
	bpf_spin_unlock(&e->lock);
	if (!s->ent.len || s->ent.len > ENTRY_MAX || s->ent.key_len != len ||
	    s->ent.seq < all_changed)
		return 0;
	bpf_loop(len, cmp_cb, &c, 0);
	if (c.diff)
		return 0;
	__builtin_memcpy(s->reply + 8, s->ent.data, ENTRY_MAX);
	return s->ent.len;
}

SEC("xdp")
int bmc_get(struct xdp_md *ctx)
{
	struct scratch *s = scratch_get();
	__u32 n, off, len;

	if (!s)
		return XDP_PASS;
	count(STAT_GETS);
	s->seq = state_of(SEQ);
	split_words(s, 4, s->line);
	off = s->word_off[0];
	len = s->word_len[0];
	if (!s->bad_words && s->nwords == 1 && len <= KEY_MAX) {
		n = copy_entry(s, off, len);
		if (n && n <= ENTRY_MAX) {
			__u32 at = n;

			/* Hidden from clang, masked: the bound its rewrite of the test loses. */
			asm volatile("" : "+r"(at));
			at &= 2 * ENTRY_MAX - 1;
			__builtin_memcpy(s->reply + 8 + at, "END\r\n", 5);
			s->reply_len = 8 + n + 5;
			bpf_tail_call(ctx, &xdp_progs, PROG_REPLY);
			return XDP_PASS;
		}
	}
	/* Noted, so that the reply may fill the cache. */
	bpf_map_update_elem(&inflight, &s->tag, &s->seq, BPF_ANY);
	count(STAT_MISSES);
	return XDP_PASS;
}

static __u16 fold(__u64 sum)
{
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffffffff) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

static __u16 csum_replace2(__u16 check, __u16 old, __u16 new)
{
	return ~fold((__u16)~check + (__u16)~old + new);
}

SEC("xdp")
int bmc_reply(struct xdp_md *ctx)
{
	struct scratch *s = scratch_get();
	struct ethhdr *eth;
	struct iphdr *ip;
	struct udphdr *udp;
	__u8 mac[ETH_ALEN];
	__u32 n, l4, addr;
	__u16 tot_len, port, ulen, old;
	void *data, *data_end;
	long sum;
	int delta;

	if (!s)
		return XDP_PASS;
	n = s->reply_len;
	l4 = s->l4;
	if (n < 13 || n > REPLY_LEN || l4 > 14 + 60)
		return XDP_ABORTED;
	s->reply[0] = s->tag.id >> 8;
	s->reply[1] = s->tag.id;
	__builtin_memset(s->reply + 2, 0, 6);
	s->reply[5] = 1;
	/*
	 * The reply is longer than the request. A packet a veth copied has room
	 * at its tail; one it did not, at its head: then the headers, saved
	 * first, go to the new front (not with IP options: such a request
	 * passes, as in the Rax version).
	 */
	delta = (int)(l4 + 8 + n) - (int)bpf_xdp_get_buff_len(ctx);
	if (bpf_xdp_load_bytes(ctx, 0, s->hdr, l4 + 8))
		return XDP_ABORTED;
	if (bpf_xdp_adjust_tail(ctx, delta)) {
		if (delta <= 0 || l4 != 14 + 20 || bpf_xdp_adjust_head(ctx, -delta) ||
		    bpf_xdp_store_bytes(ctx, 0, s->hdr, 14 + 20 + 8))
			return XDP_PASS;
	}
	if (bpf_xdp_store_bytes(ctx, l4 + 8, s->reply, n))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end)
		return XDP_ABORTED;
	udp = (void *)ip + (l4 - sizeof(*eth));
	if ((void *)(udp + 1) > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(mac, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, mac, ETH_ALEN);
	addr = ip->saddr;
	ip->saddr = ip->daddr;
	ip->daddr = addr;
	tot_len = bpf_htons(l4 - sizeof(*eth) + 8 + n);
	ip->check = csum_replace2(ip->check, ip->tot_len, tot_len);
	ip->tot_len = tot_len;
	old = *(__u16 *)&ip->ttl;
	ip->ttl = 64;
	ip->check = csum_replace2(ip->check, old, *(__u16 *)&ip->ttl);
	port = udp->source;
	udp->source = udp->dest;
	udp->dest = port;
	ulen = bpf_htons(8 + n);
	udp->len = ulen;
	udp->check = 0;
	/* The pseudo header, the UDP header, the payload (zero-padded to 4 bytes). */
	__builtin_memset(s->reply + n, 0, 3);
	sum = bpf_csum_diff(NULL, 0, (void *)s->reply, (n + 3) & ~3u, 0);
	if (sum < 0)
		return XDP_ABORTED;
	sum = bpf_csum_diff(NULL, 0, (void *)udp, 8, sum);
	if (sum < 0)
		return XDP_ABORTED;
	udp->check = ~fold((__u64)(__u32)sum + (ip->saddr & 0xffff) + (ip->saddr >> 16) +
			   (ip->daddr & 0xffff) + (ip->daddr >> 16) + bpf_htons(IPPROTO_UDP) +
			   ulen);
	if (!udp->check)
		udp->check = 0xffff;
	count(STAT_HITS);
	return XDP_TX;
}

/* A write arrived: the bucket (or every bucket) is empty and changed until
 * the reply to the request ends the write.
 */
static void invalidate(struct scratch *s, __u32 b)
{
	struct entry *e;
	__u64 *p, seq;

	if (b == ALL_BUCKETS) {
		count(STAT_WRITES_ALL);
		p = state_at(ALL_PENDING);
		if (p)
			__sync_fetch_and_add(p, 1);
		state_max(ALL_CHANGED, next_seq());
	} else {
		count(STAT_WRITES);
		e = bpf_map_lookup_elem(&cache, &b);
		if (!e)
			return;
		/*
		 * No helper under the lock: the write is marked pending before
		 * its sequence number is taken, so a get that sees that number
		 * sees it pending (the Rax version takes the number under the
		 * lock).
		 */
		bpf_spin_lock(&e->lock);
		e->b.len = 0;
		if (e->b.pending != ~0u)
			e->b.pending++;
		bpf_spin_unlock(&e->lock);
		seq = next_seq();
		bpf_spin_lock(&e->lock);
		if (e->b.changed < seq)
			e->b.changed = seq;
		bpf_spin_unlock(&e->lock);
	}
	bpf_map_update_elem(&pending, &s->tag, &b, BPF_ANY);
}

SEC("xdp")
int bmc_write(struct xdp_md *ctx)
{
	struct scratch *s = scratch_get();
	__u32 line, len, rest;
	long bytes;

	if (!s)
		return XDP_DROP;
	len = s->len;
	line = s->line;
	if (line >= len || len > BUF_LEN)
		goto all;
	rest = len - line - 2;
	split_words(s, 0, line);
	if (s->bad_words || !s->nwords)
		goto all;
	if (WORD_IS(s, 0, "gets") || WORD_IS(s, 0, "gat") || WORD_IS(s, 0, "gats") ||
	    WORD_IS(s, 0, "version") || WORD_IS(s, 0, "stats")) {
		if (!rest)
			return XDP_PASS;
		goto all;
	}
	if (WORD_IS(s, 0, "set") || WORD_IS(s, 0, "add") || WORD_IS(s, 0, "replace") ||
	    WORD_IS(s, 0, "append") || WORD_IS(s, 0, "prepend") || WORD_IS(s, 0, "cas")) {
		/* <key> <flags> <exptime> <bytes> ..., then the data and \r\n. */
		if (s->nwords < 5)
			goto all;
		bytes = word_number(s, 4);
		if (bytes < 0 || rest != bytes + 2 || s->buf[(len - 2) & BUF_MASK] != '\r' ||
		    s->buf[(len - 1) & BUF_MASK] != '\n')
			goto all;
	} else if (WORD_IS(s, 0, "delete") || WORD_IS(s, 0, "incr") || WORD_IS(s, 0, "decr") ||
		   WORD_IS(s, 0, "touch")) {
		if (rest || s->nwords < 2)
			goto all;
	} else {
		goto all;
	}
	invalidate(s, hash(s, s->word_off[1], s->word_len[1]) & (BUCKETS - 1));
	return XDP_PASS;
all:
	invalidate(s, ALL_BUCKETS);
	return XDP_PASS;
}

/* The reply to a write went out: the write is over. */
static void end_write(__u32 b)
{
	struct entry *e;
	__u64 *p, seq, old;
	int n;

	if (b == ALL_BUCKETS) {
		state_max(ALL_CHANGED, next_seq());
		p = state_at(ALL_PENDING);
		for (n = 0; p && n < 64; n++) {
			old = *p;
			if (!old || __sync_bool_compare_and_swap(p, old, old - 1))
				break;
		}
		return;
	}
	e = bpf_map_lookup_elem(&cache, &b);
	if (!e)
		return;
	seq = next_seq();
	bpf_spin_lock(&e->lock);
	e->b.len = 0;
	if (e->b.pending)
		e->b.pending--;
	if (e->b.changed < seq)
		e->b.changed = seq;
	bpf_spin_unlock(&e->lock);
}

SEC("tc")
int bmc_tx(struct __sk_buff *skb)
{
	struct scratch *s = scratch_get();
	__u32 *b, len;

	if (!s || parse_udp(s, (void *)(long)skb->data, (void *)(long)skb->data_end, false) < 0)
		return TC_ACT_OK;
	b = bpf_map_lookup_elem(&pending, &s->tag);
	if (b) {
		__u32 bucket = *b;

		bpf_map_delete_elem(&pending, &s->tag);
		count(STAT_ACKS);
		end_write(bucket);
		return TC_ACT_OK;
	}
	__u64 *seq = bpf_map_lookup_elem(&inflight, &s->tag);

	if (!seq)
		return TC_ACT_OK;
	s->seq = *seq;
	len = s->len;
	if (len && (len > BUF_LEN || bpf_skb_load_bytes(skb, s->l4 + 16, s->buf, len))) {
		bpf_map_delete_elem(&inflight, &s->tag);
		return TC_ACT_OK;
	}
	s->pos = 0;
	bpf_tail_call(skb, &tc_progs, PROG_FILL);
	bpf_map_delete_elem(&inflight, &s->tag);
	return TC_ACT_OK;
}

static void fill_entry(struct scratch *s, __u32 key_off, __u32 key_len, __u32 pos,
		       __u32 block_len)
{
	__u32 b = hash(s, key_off, key_len) & (BUCKETS - 1);
	/* Every write under way, or come in since the get, refuses the fill. */
	bool all_quiet = state_of(ALL_PENDING) == 0 && state_of(ALL_CHANGED) <= s->seq;
	struct entry *e = bpf_map_lookup_elem(&cache, &b);
	bool refused = false;

	if (!e)
		return;
	bpf_spin_lock(&e->lock);
	if (!all_quiet || e->b.pending || e->b.changed > s->seq) {
		refused = true;
	} else {
		__builtin_memcpy(e->b.data, s->buf + (pos & BUF_MASK), ENTRY_MAX);
		e->b.len = block_len;
		e->b.key_len = key_len;
		e->b.seq = s->seq;
	}
	bpf_spin_unlock(&e->lock);
	count(refused ? STAT_FILLS_REFUSED : STAT_FILLS);
}

/*
 * One VALUE block of a reply at s->pos, then itself for the next (a tail
 * call per block). A reply to a get of several keys comes as a datagram
 * per key, the last with the END: the note of the get stays until then.
 */
SEC("tc")
int bmc_fill(struct __sk_buff *skb)
{
	struct scratch *s = scratch_get();
	__u32 pos, len, line, head, block_len, key_off, key_len;
	long bytes;

	if (!s)
		return TC_ACT_OK;
	pos = s->pos;
	len = s->len;
	if (pos > len || len > BUF_LEN)
		goto done;
	if (pos == len)
		return TC_ACT_OK;	/* more to come */
	if (len - pos == 5 && s->buf[pos & BUF_MASK] == 'E' &&
	    s->buf[(pos + 1) & BUF_MASK] == 'N' && s->buf[(pos + 2) & BUF_MASK] == 'D' &&
	    s->buf[(pos + 3) & BUF_MASK] == '\r' && s->buf[(pos + 4) & BUF_MASK] == '\n')
		goto done;
	line = find_crlf(s, pos, len);
	if (line >= len)
		goto done;
	head = line - pos;
	split_words(s, pos, line);
	if (s->bad_words || s->nwords != 4 || !WORD_IS(s, 0, "VALUE"))
		goto done;
	bytes = word_number(s, 3);
	if (bytes < 0 || line + 2 + bytes + 2 > len ||
	    s->buf[(line + 2 + bytes) & BUF_MASK] != '\r' ||
	    s->buf[(line + 3 + bytes) & BUF_MASK] != '\n')
		goto done;
	block_len = head + 2 + bytes + 2;
	key_off = s->word_off[1];
	key_len = s->word_len[1];
	if (key_len <= KEY_MAX && block_len <= ENTRY_MAX)
		fill_entry(s, key_off, key_len, pos, block_len);
	s->pos = pos + block_len;
	bpf_tail_call(skb, &tc_progs, PROG_FILL);
done:
	bpf_map_delete_elem(&inflight, &s->tag);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
