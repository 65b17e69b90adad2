// SPDX-License-Identifier: GPL-2.0
/*
 * Rax programs that load and run: the xdp_counter sample (xdp.o) through
 * BPF_PROG_TEST_RUN, its maps from userspace, its program info, a program
 * that panics, and maps that do not match their signed definitions.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <linux/if_ether.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <sys/mman.h>

#include "../kselftest_harness.h"
#include "rax_util.h"

#define MAX_MAPS	8

static int possible_cpus(void)
{
	FILE *f = fopen("/sys/devices/system/cpu/possible", "r");
	int lo = 0, hi = 0;

	if (!f)
		return 1;
	if (fscanf(f, "%d-%d", &lo, &hi) < 2)
		hi = lo;
	fclose(f);
	return hi + 1;
}

/* A u64 array element; per-CPU values are summed. */
static long long map_u64(int fd, unsigned int key, int percpu)
{
	unsigned long long v[256] = { 0 }, sum = 0;
	int i, n = percpu ? possible_cpus() : 1;

	if (map_lookup(fd, &key, v))
		return -1;
	for (i = 0; i < n; i++)
		sum += v[i];
	return sum;
}

/* An Ethernet frame with an IPv4 header of @proto and, for UDP, a port. */
static unsigned int make_ipv4(unsigned char *buf, unsigned char proto,
			      unsigned short dport)
{
	struct ethhdr *eth = (void *)buf;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp = (void *)(ip + 1);

	memset(buf, 0, 64);
	memset(eth->h_dest, 0xff, ETH_ALEN);
	eth->h_source[5] = 1;
	eth->h_proto = htons(ETH_P_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = proto;
	ip->tot_len = htons(sizeof(*ip) + sizeof(*udp));
	ip->saddr = htonl(0x0a000001);
	ip->daddr = htonl(0x0a000002);
	udp->source = htons(1234);
	udp->dest = htons(dport);
	udp->len = htons(sizeof(*udp));
	return 64;
}

enum { CLASS_IPV4, CLASS_IPV6, CLASS_ARP, CLASS_OTHER, CLASS_DROPPED };

FIXTURE(xdp) {
	struct rax_obj_file o;
	int fds[MAX_MAPS];
	int nmaps;
	int proto, eth;		/* map fds */
	int prog;
};

FIXTURE_SETUP(xdp)
{
	struct rax_load_opts opts = { .prog_type = BPF_PROG_TYPE_XDP,
				      .name = "xdp_counter" };

	self->prog = -1;
	self->nmaps = 0;
	self->o = rax_obj_read("xdp.o");
	ASSERT_NE(0, self->o.img.size) TH_LOG("RAX_TEST_OBJECTS/xdp.o missing");
	ASSERT_NE(0, self->o.sig.size);
	self->nmaps = rax_create_maps(&self->o.img, self->fds, MAX_MAPS);
	ASSERT_EQ(2, self->nmaps) TH_LOG("creating the maps: %d", self->nmaps);
	self->proto = self->fds[rax_map_index(&self->o.img, "PROTO_COUNT")];
	self->eth = self->fds[rax_map_index(&self->o.img, "ETH_COUNT")];
	opts.fd_array = self->fds;
	opts.fd_array_cnt = self->nmaps;
	self->prog = rax_load_opts(self->o.img.data, self->o.img.size,
				   self->o.sig.data, self->o.sig.size, &opts);
	ASSERT_LE(0, self->prog) TH_LOG("load: %s\n%s", strerror(-self->prog), log_buf);
}

FIXTURE_TEARDOWN(xdp)
{
	int i;

	if (self->prog >= 0)
		close(self->prog);
	for (i = 0; i < self->nmaps; i++)
		close(self->fds[i]);
	rax_obj_free(&self->o);
}

TEST_F(xdp, udp_to_discard_port_dropped)
{
	unsigned char pkt[64];
	unsigned int len = make_ipv4(pkt, IPPROTO_UDP, 9);

	EXPECT_EQ(XDP_DROP, test_run(self->prog, pkt, len, 1));
	EXPECT_EQ(1, map_u64(self->proto, IPPROTO_UDP, 0));
	EXPECT_EQ(1, map_u64(self->eth, CLASS_IPV4, 1));
	EXPECT_EQ(1, map_u64(self->eth, CLASS_DROPPED, 1));
}

TEST_F(xdp, tcp_passed_and_counted)
{
	unsigned char pkt[64];
	unsigned int len = make_ipv4(pkt, IPPROTO_TCP, 9);

	EXPECT_EQ(XDP_PASS, test_run(self->prog, pkt, len, 1));
	EXPECT_EQ(1, map_u64(self->proto, IPPROTO_TCP, 0));
	EXPECT_EQ(0, map_u64(self->proto, IPPROTO_UDP, 0));
	EXPECT_EQ(0, map_u64(self->eth, CLASS_DROPPED, 1));
}

TEST_F(xdp, every_repeat_runs_the_program)
{
	unsigned char pkt[64];
	unsigned int len = make_ipv4(pkt, IPPROTO_UDP, 53);

	EXPECT_EQ(XDP_PASS, test_run(self->prog, pkt, len, 1000));
	EXPECT_EQ(1000, map_u64(self->proto, IPPROTO_UDP, 0));
	EXPECT_EQ(1000, map_u64(self->eth, CLASS_IPV4, 1));
}

TEST_F(xdp, short_and_unknown_frames)
{
	unsigned char pkt[64];

	memset(pkt, 0, sizeof(pkt));
	pkt[12] = 0x88;		/* an ethertype the program does not know */
	pkt[13] = 0xb5;
	EXPECT_EQ(XDP_PASS, test_run(self->prog, pkt, ETH_HLEN, 1));
	EXPECT_EQ(1, map_u64(self->eth, CLASS_OTHER, 1));
	pkt[12] = 0x08;		/* IPv4, but the header is cut off */
	pkt[13] = 0x00;
	EXPECT_EQ(XDP_PASS, test_run(self->prog, pkt, ETH_HLEN + 4, 1));
	EXPECT_EQ(1, map_u64(self->eth, CLASS_IPV4, 1));
	EXPECT_EQ(0, map_u64(self->proto, 0, 0));
}

/* The program and userspace see each other's writes to the same map. */
TEST_F(xdp, map_shared_with_userspace)
{
	unsigned long long v = 41;
	unsigned int key = IPPROTO_TCP;
	unsigned char pkt[64];
	unsigned int len = make_ipv4(pkt, IPPROTO_TCP, 80);

	ASSERT_EQ(0, map_update(self->proto, &key, &v));
	EXPECT_EQ(XDP_PASS, test_run(self->prog, pkt, len, 1));
	EXPECT_EQ(42, map_u64(self->proto, IPPROTO_TCP, 0));
}

/* Program info: type, name, a JIT image and no instructions, the tag. */
TEST_F(xdp, prog_info)
{
	struct bpf_prog_info info;
	union bpf_attr attr;
	struct blob tag = load_file("xdp.o.tag");
	char hex[2 * BPF_TAG_SIZE + 1];
	int i;

	memset(&info, 0, sizeof(info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = self->prog;
	attr.info.info_len = sizeof(info);
	attr.info.info = (unsigned long)&info;
	ASSERT_EQ(0, sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr)) TH_LOG("%s", strerror(errno));
	EXPECT_EQ(BPF_PROG_TYPE_XDP, info.type);
	EXPECT_STREQ("xdp_counter", info.name);
	EXPECT_LT(16, info.jited_prog_len);
	EXPECT_EQ(0, info.xlated_prog_len);
	EXPECT_EQ(2, info.nr_map_ids);
	for (i = 0; i < BPF_TAG_SIZE; i++)
		sprintf(hex + 2 * i, "%02x", info.tag[i]);
	ASSERT_LE(2 * BPF_TAG_SIZE, tag.size) TH_LOG("RAX_TEST_OBJECTS/xdp.o.tag missing");
	EXPECT_EQ(0, memcmp(hex, tag.data, 2 * BPF_TAG_SIZE))
		TH_LOG("tag %s, want the first 8 bytes of sha256(xdp.o) %.16s", hex, tag.data);
	blob_free(&tag);
}

/*
 * @prog's info, its bpf_func in @bpf_func and, when @image is not NULL, up
 * to @size bytes of its JIT image: 0, or -errno.
 */
static int prog_jited(int prog, struct bpf_prog_info *info, unsigned long long *bpf_func,
		      unsigned char *image, unsigned int size)
{
	union bpf_attr attr;

	memset(info, 0, sizeof(*info));
	memset(&attr, 0, sizeof(attr));
	*bpf_func = 0;
	info->nr_jited_ksyms = 1;
	info->jited_ksyms = (unsigned long)bpf_func;
	if (image) {
		info->jited_prog_len = size;
		info->jited_prog_insns = (unsigned long)image;
	}
	attr.info.bpf_fd = prog;
	attr.info.info_len = sizeof(*info);
	attr.info.info = (unsigned long)info;
	return sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr) ? -errno : 0;
}

/*
 * kallsyms: the program's own symbol, bpf_prog_<tag>_<name>, covers the
 * stub at bpf_func; each function of the image has its own symbol,
 * bpf_prog_<tag>_<function>, inside [bpf_func + 16, bpf_func + jited_len),
 * the entry among them.
 */
TEST_F(xdp, kallsyms_names_each_function)
{
	unsigned long long addr, bpf_func = 0, entry = 0;
	unsigned int jited_len, funcs = 0;
	struct bpf_prog_info info;
	char line[1024], sym[600], prefix[64], want[96];
	FILE *f;
	int i;

	i = prog_jited(self->prog, &info, &bpf_func, NULL, 0);
	ASSERT_EQ(0, i) TH_LOG("%s", strerror(-i));
	ASSERT_NE(0, bpf_func);
	jited_len = info.jited_prog_len;
	snprintf(prefix, sizeof(prefix), "bpf_prog_");
	for (i = 0; i < BPF_TAG_SIZE; i++)
		sprintf(prefix + strlen(prefix), "%02x", info.tag[i]);
	strcat(prefix, "_");
	snprintf(want, sizeof(want), "%sxdp_counter", prefix);

	f = fopen("/proc/kallsyms", "r");
	ASSERT_NE(NULL, f);
	while (fgets(line, sizeof(line), f)) {
		char type;

		if (sscanf(line, "%llx %c %599s", &addr, &type, sym) != 3 ||
		    strncmp(sym, prefix, strlen(prefix)))
			continue;
		if (!strcmp(sym, want)) {
			EXPECT_EQ(bpf_func, addr) TH_LOG("%s", line);
			continue;
		}
		funcs++;
		EXPECT_LE(bpf_func + 16, addr) TH_LOG("%s", line);
		EXPECT_GT(bpf_func + jited_len, addr) TH_LOG("%s", line);
		if (strstr(sym, "rax_entry_xdp_counter"))
			entry = addr;
	}
	fclose(f);
	EXPECT_LE(2, funcs) TH_LOG("function symbols with prefix %s", prefix);
	EXPECT_NE(0, entry) TH_LOG("no symbol %srax_entry_xdp_counter", prefix);
}

/* The address of kernel symbol @name, or 0. */
static unsigned long long ksym_addr(const char *name)
{
	unsigned long long addr, found = 0;
	char line[1024], sym[600], type;
	FILE *f = fopen("/proc/kallsyms", "r");

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %c %599s", &addr, &type, sym) == 3 && !strcmp(sym, name))
			found = addr;
	fclose(f);
	return found;
}

/* The kernel symbol at exactly @addr, or "". */
static const char *ksym_name(unsigned long long want)
{
	static char sym[600];
	unsigned long long addr;
	char line[1024], type;
	FILE *f = fopen("/proc/kallsyms", "r");

	sym[0] = '\0';
	if (!f)
		return sym;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %c %599s", &addr, &type, sym) == 3 && addr == want)
			break;
	if (addr != want)
		sym[0] = '\0';
	fclose(f);
	return sym;
}

/*
 * Every return of the program went through "jmp __x86_return_thunk" in the
 * object; in the loaded image each such site is either "ret; int3 x4"
 * (this CPU needs no return thunk) or a jmp to one of the kernel's return
 * thunks, as the kernel's own returns are patched at boot. Sites are found
 * from the object's relocations and placed in the image through the
 * function symbols of kallsyms.
 */
TEST_F(xdp, returns_go_through_the_kernels_thunk)
{
	const struct blob *b = &self->o.img;
	const struct elf64_hdr *eh = (const void *)b->data;
	const struct elf64_shdr *sh = (const void *)(b->data + eh->e_shoff);
	const struct elf64_sym *syms = NULL;
	unsigned long long bpf_func = 0;
	unsigned int i, nsyms = 0, sites = 0, rets = 0;
	static unsigned char image[1 << 16];
	struct bpf_prog_info info;
	const char *strtab = NULL;
	char prefix[64];
	int err;

	err = prog_jited(self->prog, &info, &bpf_func, image, sizeof(image));
	ASSERT_EQ(0, err) TH_LOG("%s", strerror(-err));
	ASSERT_GE(sizeof(image), info.jited_prog_len);
	snprintf(prefix, sizeof(prefix), "bpf_prog_");
	for (i = 0; i < BPF_TAG_SIZE; i++)
		sprintf(prefix + strlen(prefix), "%02x", info.tag[i]);

	for (i = 1; i < eh->e_shnum; i++) {
		if (sh[i].sh_type == SHT_SYMTAB) {
			syms = (const void *)(b->data + sh[i].sh_offset);
			nsyms = sh[i].sh_size / sizeof(*syms);
			strtab = (const char *)b->data + sh[sh[i].sh_link].sh_offset;
		}
	}
	ASSERT_NE(NULL, syms);
	for (i = 1; i < eh->e_shnum; i++) {
		const struct elf64_rela *r = (const void *)(b->data + sh[i].sh_offset);
		unsigned int j, n = sh[i].sh_size / sizeof(*r);

		if (sh[i].sh_type != SHT_RELA)
			continue;
		for (j = 0; j < n; j++) {
			const struct elf64_sym *t = &syms[ELF64_R_SYM(r[j].r_info)];
			unsigned long long fn = 0, off;
			const unsigned char *site;
			char name[700];
			unsigned int k;
			int rel;

			if (strcmp(strtab + t->st_name, RAX_THUNK_RETURN))
				continue;
			/* The function of the target section holding the site. */
			for (k = 1; k < nsyms && !fn; k++) {
				const struct elf64_sym *f = &syms[k];

				if (ELF64_ST_TYPE(f->st_info) != STT_FUNC ||
				    f->st_shndx != sh[i].sh_info ||
				    r[j].r_offset < f->st_value ||
				    r[j].r_offset >= f->st_value + f->st_size)
					continue;
				snprintf(name, sizeof(name), "%s_%s", prefix, strtab + f->st_name);
				fn = ksym_addr(name);
				ASSERT_NE(0, fn) TH_LOG("no kernel symbol %s", name);
				fn += r[j].r_offset - f->st_value;
			}
			ASSERT_NE(0, fn)
				TH_LOG("relocation %u of section %u is in no function", j, i);
			off = fn - 1 - bpf_func;
			ASSERT_GT(info.jited_prog_len, off + 5);
			site = image + off;
			sites++;
			if (site[0] == 0xc3) {
				EXPECT_EQ(0, memcmp(site + 1, "\xcc\xcc\xcc\xcc", 4));
				rets++;
				continue;
			}
			ASSERT_EQ(0xe9, site[0]) TH_LOG("site at +%#llx: %02x", off, site[0]);
			memcpy(&rel, site + 1, 4);
			EXPECT_NE(NULL, strstr(ksym_name(bpf_func + off + 5 + rel), "return_thunk"))
				TH_LOG("jmp at +%#llx goes to %s", off,
				       ksym_name(bpf_func + off + 5 + rel));
		}
	}
	EXPECT_LE(1, sites);
	printf("# %u return sites: %u jump to a return thunk, %u return directly\n",
	       sites, sites - rets, rets);
}

/* fdinfo tells a Rax program apart: rax, its entry, its panics. */
TEST_F(xdp, fdinfo_marks_rax)
{
	EXPECT_STREQ("1", fdinfo_value(self->prog, "rax"));
	EXPECT_STREQ("rax_entry_xdp_counter", fdinfo_value(self->prog, "rax_entry"));
	EXPECT_STREQ("0", fdinfo_value(self->prog, "rax_panics"));
	EXPECT_STREQ("1", fdinfo_value(self->prog, "prog_jited"));
	/* It calls helpers: not bare. */
	EXPECT_STREQ("0", fdinfo_value(self->prog, "rax_bare"));
}

/*
 * The name of the function the stub at @prog's bpf_func jumps to
 * ("[ENDBR64] jmp rel32"), or "" when the stub is not that.
 */
static const char *stub_target(int prog)
{
	static unsigned char image[1 << 16];
	unsigned long long bpf_func;
	struct bpf_prog_info info;
	unsigned int off = 0;
	int rel;

	if (prog_jited(prog, &info, &bpf_func, image, sizeof(image)) || info.jited_prog_len < 9 ||
	    info.jited_prog_len > sizeof(image))
		return "";
	if (!memcmp(image, "\xf3\x0f\x1e\xfa", 4))
		off = 4;
	if (image[off] != 0xe9)
		return "";
	memcpy(&rel, image + off + 1, 4);
	return ksym_name(bpf_func + off + 5 + rel);
}

/*
 * A program made of leaves (no loop, no call, no panic: the empty sample
 * imports nothing, not even rax_budget_check) runs bare: its stub jumps
 * straight to its entry, not to rax_run(), and it returns what it
 * returns, run once or many times. A program that calls helpers goes
 * through rax_run(), and so does every entry of an object that imports
 * any (tp_bench's empty tracepoint entry, beside an entry that panics),
 * and the same leaves whose stack bound is more than eBPF's 512 bytes.
 */
TEST(leaves_run_bare)
{
	struct rax_obj_file o = rax_obj_read("empty.o");
	struct rax_obj_file c = rax_obj_read("xdp.o");
	struct rax_obj_file t = rax_obj_read("tp_bench.o");
	int cfds[16], tfds[16], cn, tn, i;
	unsigned char pkt[64] = { 0 };
	int prog, counter, tp;

	ASSERT_NE(0, o.img.size) TH_LOG("RAX_TEST_OBJECTS/empty.o missing");
	ASSERT_NE(0, c.img.size) TH_LOG("RAX_TEST_OBJECTS/xdp.o missing");
	ASSERT_NE(0, t.img.size) TH_LOG("RAX_TEST_OBJECTS/tp_bench.o missing");
	prog = rax_load_entry(&o, NULL, 0, "rax_entry_empty", BPF_PROG_TYPE_XDP);
	ASSERT_LE(0, prog) TH_LOG("load: %s\n%s", strerror(-prog), log_buf);
	EXPECT_STREQ("1", fdinfo_value(prog, "rax_bare"));
	EXPECT_NE(NULL, strstr(stub_target(prog), "_rax_entry_empty"))
		TH_LOG("the stub jumps to %s", stub_target(prog));
	EXPECT_EQ(XDP_PASS, test_run(prog, pkt, sizeof(pkt), 1));
	EXPECT_EQ(XDP_PASS, test_run(prog, pkt, sizeof(pkt), 1000));
	EXPECT_STREQ("0", fdinfo_value(prog, "rax_panics"));
	EXPECT_STREQ("0", fdinfo_value(prog, "rax_timeouts"));

	cn = rax_create_maps(&c.img, cfds, 16);
	ASSERT_LE(0, cn);
	counter = rax_load_entry(&c, cfds, cn, "rax_entry_xdp_counter", BPF_PROG_TYPE_XDP);
	ASSERT_LE(0, counter) TH_LOG("load: %s\n%s", strerror(-counter), log_buf);
	EXPECT_STREQ("0", fdinfo_value(counter, "rax_bare"));
	EXPECT_STREQ("rax_run", stub_target(counter));

	tn = rax_create_maps(&t.img, tfds, 16);
	ASSERT_LE(0, tn);
	tp = rax_load_entry(&t, tfds, tn, "rax_entry_empty_tp", BPF_PROG_TYPE_TRACEPOINT);
	ASSERT_LE(0, tp) TH_LOG("load: %s\n%s", strerror(-tp), log_buf);
	EXPECT_STREQ("0", fdinfo_value(tp, "rax_bare"));
	EXPECT_STREQ("rax_run", stub_target(tp));

	close(tp);
	close(counter);
	close(prog);

	/*
	 * The same leaves with a stack bound of 1024 bytes in the signed
	 * provenance note: more than eBPF may use on the hook's stack, so it
	 * runs on a Rax stack, through rax_run().
	 */
	rax_obj_free(&o);
	o = rax_obj_read("empty-bigframe.o");
	ASSERT_NE(0, o.img.size) TH_LOG("RAX_TEST_OBJECTS/empty-bigframe.o missing");
	prog = rax_load_entry(&o, NULL, 0, "rax_entry_empty", BPF_PROG_TYPE_XDP);
	ASSERT_LE(0, prog) TH_LOG("load: %s\n%s", strerror(-prog), log_buf);
	EXPECT_STREQ("0", fdinfo_value(prog, "rax_bare"));
	EXPECT_STREQ("rax_run", stub_target(prog));
	EXPECT_EQ(XDP_PASS, test_run(prog, pkt, sizeof(pkt), 100));
	close(prog);

	for (i = 0; i < tn; i++)
		close(tfds[i]);
	for (i = 0; i < cn; i++)
		close(cfds[i]);
	rax_obj_free(&t);
	rax_obj_free(&c);
	rax_obj_free(&o);
}

/*
 * fdinfo names the key that signed the program as /proc/keys describes it:
 * the build-time key's subject and its key identifier.
 */
TEST_F(xdp, fdinfo_names_the_signer)
{
	const char *skid = getenv("RAX_BUILD_KEY_SKID");
	const char *signer = fdinfo_value(self->prog, "rax_signer");
	const char *prefix = "Rax build-time signing key: ";
	char want[256];
	size_t i, n;

	ASSERT_NE(NULL, signer);
	EXPECT_EQ(0, strncmp(signer, prefix, strlen(prefix))) TH_LOG("rax_signer: %s", signer);
	if (!skid)
		return;
	n = snprintf(want, sizeof(want), "%s", prefix);
	for (i = 0; skid[i] && n + 1 < sizeof(want); i++)
		want[n++] = tolower((unsigned char)skid[i]);
	want[n] = '\0';
	EXPECT_STREQ(want, signer);
}

/*
 * fentry, fexit and freplace are built on their target's BTF and JIT
 * layout: an eBPF program naming a Rax program in attach_prog_fd is
 * refused before the verifier runs, with the reason in its log.
 */
TEST_F(xdp, tracing_cannot_target_rax)
{
	static const struct { unsigned int type, attach; } kinds[] = {
		{ BPF_PROG_TYPE_TRACING, BPF_TRACE_FENTRY },
		{ BPF_PROG_TYPE_TRACING, BPF_TRACE_FEXIT },
		{ BPF_PROG_TYPE_EXT, 0 },
	};
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kinds); i++) {
		memset(&attr, 0, sizeof(attr));
		memset(log_buf, 0, sizeof(log_buf));
		attr.prog_type = kinds[i].type;
		attr.expected_attach_type = kinds[i].attach;
		attr.insns = (unsigned long)insns;
		attr.insn_cnt = ARRAY_SIZE(insns);
		attr.license = (unsigned long)"GPL";
		attr.attach_prog_fd = self->prog;
		attr.attach_btf_id = 1;
		attr.log_level = 1;
		attr.log_buf = (unsigned long)log_buf;
		attr.log_size = sizeof(log_buf);
		EXPECT_EQ(-1, sys_bpf(BPF_PROG_LOAD, &attr)) TH_LOG("kind %zu", i);
		EXPECT_EQ(EINVAL, errno) TH_LOG("kind %zu", i);
		EXPECT_NE(NULL, strstr(log_buf, "cannot target one"))
			TH_LOG("kind %zu: log_buf: %s", i, log_buf);
	}
}

/*
 * A Rax program cannot go into a PROG_ARRAY: a tail call jumps into the
 * eBPF JIT's layout, which a Rax image does not have.
 */
TEST_F(xdp, prog_array_refuses_rax)
{
	union bpf_attr attr;
	unsigned int key = 0;
	int map;

	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_PROG_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	map = sys_bpf(BPF_MAP_CREATE, &attr);
	ASSERT_LE(0, map) TH_LOG("%s", strerror(errno));
	memset(&attr, 0, sizeof(attr));
	attr.map_fd = map;
	attr.key = (unsigned long)&key;
	attr.value = (unsigned long)&self->prog;
	EXPECT_EQ(-1, sys_bpf(BPF_MAP_UPDATE_ELEM, &attr));
	EXPECT_EQ(EINVAL, errno);
	close(map);
}

/* perf's side band: PERF_RECORD_KSYMBOL records on every CPU. */
#define KSYM_PAGES	32
#define KSYM_MAX	512

struct ksym_rec {
	unsigned long long addr;
	unsigned int len;
	int unregister;
	char name[600];
};

struct ksym_events {
	int ncpus;
	int fd[64];
	void *ring[64];
	size_t page;
	int lost;
};

static int ksym_events_open(struct ksym_events *ev)
{
	struct perf_event_attr pa;
	int cpu;

	memset(ev, 0, sizeof(*ev));
	ev->page = sysconf(_SC_PAGESIZE);
	ev->ncpus = possible_cpus();
	if (ev->ncpus > 64)
		ev->ncpus = 64;
	memset(&pa, 0, sizeof(pa));
	pa.size = sizeof(pa);
	pa.type = PERF_TYPE_SOFTWARE;
	pa.config = PERF_COUNT_SW_DUMMY;
	pa.ksymbol = 1;
	for (cpu = 0; cpu < ev->ncpus; cpu++) {
		ev->fd[cpu] = syscall(__NR_perf_event_open, &pa, -1, cpu, -1,
				      PERF_FLAG_FD_CLOEXEC);
		if (ev->fd[cpu] < 0)
			return -errno;
		ev->ring[cpu] = mmap(NULL, (1 + KSYM_PAGES) * ev->page,
				     PROT_READ | PROT_WRITE, MAP_SHARED, ev->fd[cpu], 0);
		if (ev->ring[cpu] == MAP_FAILED) {
			ev->ring[cpu] = NULL;
			return -errno;
		}
	}
	return 0;
}

static void ksym_events_close(struct ksym_events *ev)
{
	int cpu;

	for (cpu = 0; cpu < ev->ncpus; cpu++) {
		if (ev->ring[cpu])
			munmap(ev->ring[cpu], (1 + KSYM_PAGES) * ev->page);
		if (ev->fd[cpu] > 0)
			close(ev->fd[cpu]);
	}
}

/* Copy @n bytes at @off of a ring's data area, which wraps. */
static void ksym_ring_copy(const char *data, size_t size, __u64 off, void *dst, size_t n)
{
	size_t at = off % size, first = n < size - at ? n : size - at;

	memcpy(dst, data + at, first);
	memcpy((char *)dst + first, data, n - first);
}

/* The KSYMBOL records of every ring whose name starts with @prefix. */
static int ksym_events_read(struct ksym_events *ev, const char *prefix,
			    struct ksym_rec *out, int max)
{
	size_t size = KSYM_PAGES * ev->page;
	int cpu, n = 0;

	for (cpu = 0; cpu < ev->ncpus; cpu++) {
		struct perf_event_mmap_page *mp = ev->ring[cpu];
		const char *data = (const char *)mp + ev->page;
		__u64 head = __atomic_load_n(&mp->data_head, __ATOMIC_ACQUIRE);
		__u64 tail = mp->data_tail;

		while (tail < head) {
			struct perf_event_header h;
			struct {
				struct perf_event_header h;
				__u64 addr;
				__u32 len;
				__u16 ksym_type;
				__u16 flags;
				char name[512];	/* KSYM_NAME_LEN */
			} r;

			ksym_ring_copy(data, size, tail, &h, sizeof(h));
			if (!h.size)
				break;
			if (h.type == PERF_RECORD_LOST)
				ev->lost++;
			if (h.type == PERF_RECORD_KSYMBOL && h.size <= sizeof(r)) {
				memset(&r, 0, sizeof(r));
				ksym_ring_copy(data, size, tail, &r, h.size);
				r.name[sizeof(r.name) - 1] = '\0';
				if (r.ksym_type == PERF_RECORD_KSYMBOL_TYPE_BPF &&
				    !strncmp(r.name, prefix, strlen(prefix)) && n < max) {
					out[n].addr = r.addr;
					out[n].len = r.len;
					out[n].unregister =
						!!(r.flags & PERF_RECORD_KSYMBOL_FLAGS_UNREGISTER);
					snprintf(out[n].name, sizeof(out[n].name), "%s", r.name);
					n++;
				}
			}
			tail += h.size;
		}
		__atomic_store_n(&mp->data_tail, tail, __ATOMIC_RELEASE);
	}
	return n;
}

/* The kallsyms symbols whose name starts with @prefix, as records. */
static int kallsyms_with_prefix(const char *prefix, struct ksym_rec *out, int max)
{
	char line[1024], sym[600], type;
	unsigned long long addr;
	FILE *f = fopen("/proc/kallsyms", "r");
	int n = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%llx %c %599s", &addr, &type, sym) == 3 &&
		    !strncmp(sym, prefix, strlen(prefix)) && n < max) {
			out[n].addr = addr;
			snprintf(out[n].name, sizeof(out[n].name), "%s", sym);
			n++;
		}
	fclose(f);
	return n;
}

/*
 * perf learns of each function of a Rax program as kallsyms shows it: one
 * PERF_RECORD_KSYMBOL per function symbol and one for the stub under the
 * program's name (16 bytes at bpf_func, not the whole image), disjoint and
 * inside the image; the same records with the unregister flag when the
 * program goes away. Before, perf got one record for the whole image under
 * the program's name and could not name a Rust function.
 */
TEST(perf_ksymbol_names_each_function)
{
	static struct ksym_rec rec[KSYM_MAX], syms[KSYM_MAX];
	struct rax_obj_file o = rax_obj_read("xdp.o");
	struct rax_load_opts opts = { .prog_type = BPF_PROG_TYPE_XDP,
				      .name = "xdp_counter" };
	unsigned long long bpf_func = 0;
	int fds[MAX_MAPS], nmaps, prog, nrec, nsyms, i, j, tries;
	struct bpf_prog_info info;
	struct ksym_events ev;
	char prefix[64];

	ASSERT_NE(0, o.img.size) TH_LOG("RAX_TEST_OBJECTS/xdp.o missing");
	ASSERT_EQ(0, ksym_events_open(&ev)) TH_LOG("perf_event_open: %s", strerror(errno));
	nmaps = rax_create_maps(&o.img, fds, MAX_MAPS);
	ASSERT_EQ(2, nmaps);
	opts.fd_array = fds;
	opts.fd_array_cnt = nmaps;
	prog = rax_load_opts(o.img.data, o.img.size, o.sig.data, o.sig.size, &opts);
	ASSERT_LE(0, prog) TH_LOG("load: %s\n%s", strerror(-prog), log_buf);

	i = prog_jited(prog, &info, &bpf_func, NULL, 0);
	ASSERT_EQ(0, i) TH_LOG("%s", strerror(-i));
	snprintf(prefix, sizeof(prefix), "bpf_prog_");
	for (i = 0; i < BPF_TAG_SIZE; i++)
		sprintf(prefix + strlen(prefix), "%02x", info.tag[i]);
	strcat(prefix, "_");
	nsyms = kallsyms_with_prefix(prefix, syms, KSYM_MAX);
	ASSERT_LE(3, nsyms) TH_LOG("kallsyms: %d symbols %s*", nsyms, prefix);

	/* Unload; the last put is deferred: wait for the symbols to go. */
	close(prog);
	for (i = 0; i < nmaps; i++)
		close(fds[i]);
	for (tries = 0; tries < 500 && kallsyms_with_prefix(prefix, rec, KSYM_MAX) > 0; tries++)
		usleep(10000);
	EXPECT_EQ(0, kallsyms_with_prefix(prefix, rec, KSYM_MAX));

	nrec = ksym_events_read(&ev, prefix, rec, KSYM_MAX);
	EXPECT_EQ(0, ev.lost);
	EXPECT_EQ(2 * nsyms, nrec)
		TH_LOG("%d KSYMBOL records for %d symbols %s*", nrec, nsyms, prefix);
	for (i = 0; i < nrec; i++) {
		int found = 0, undone = 0;

		EXPECT_LE(bpf_func, rec[i].addr) TH_LOG("%s", rec[i].name);
		EXPECT_GE(bpf_func + info.jited_prog_len, rec[i].addr + rec[i].len)
			TH_LOG("%s: %u bytes", rec[i].name, rec[i].len);
		EXPECT_LT(0, rec[i].len);
		if (rec[i].addr == bpf_func)
			EXPECT_EQ(16, rec[i].len) TH_LOG("the stub's record: %s", rec[i].name);
		for (j = 0; j < nsyms; j++)
			found += syms[j].addr == rec[i].addr &&
				 !strcmp(syms[j].name, rec[i].name);
		EXPECT_EQ(1, found) TH_LOG("record %s at %llx is not in kallsyms",
					   rec[i].name, rec[i].addr);
		for (j = 0; j < nrec; j++) {
			if (rec[j].unregister == rec[i].unregister) {
				/* Registered symbols are disjoint. */
				if (j != i && !rec[i].unregister)
					EXPECT_TRUE(rec[j].addr >= rec[i].addr + rec[i].len ||
						    rec[i].addr >= rec[j].addr + rec[j].len)
						TH_LOG("%s overlaps %s", rec[i].name, rec[j].name);
				continue;
			}
			undone += rec[j].addr == rec[i].addr && rec[j].len == rec[i].len &&
				  !strcmp(rec[j].name, rec[i].name);
		}
		EXPECT_EQ(1, undone) TH_LOG("%s: no matching %s record", rec[i].name,
					    rec[i].unregister ? "register" : "unregister");
	}
	ksym_events_close(&ev);
	rax_obj_free(&o);
}

/*
 * A program that panics on every packet: each run stops at the panic and
 * returns XDP_ABORTED, the kernel keeps running, and so does the program.
 */
TEST(panic_returns_the_default_verdict)
{
	struct rax_obj_file o = rax_obj_read("oob.o");
	struct rax_load_opts opts = { .prog_type = BPF_PROG_TYPE_XDP, .name = "oob_panic" };
	unsigned char pkt[64] = { 0 };
	int prog;

	ASSERT_NE(0, o.img.size) TH_LOG("RAX_TEST_OBJECTS/oob.o missing");
	prog = rax_load_opts(o.img.data, o.img.size, o.sig.data, o.sig.size, &opts);
	ASSERT_LE(0, prog) TH_LOG("load: %s\n%s", strerror(-prog), log_buf);
	EXPECT_EQ(XDP_ABORTED, test_run(prog, pkt, sizeof(pkt), 1));
	EXPECT_EQ(XDP_ABORTED, test_run(prog, pkt, sizeof(pkt), 100));
	EXPECT_STREQ("101", fdinfo_value(prog, "rax_panics"));
	close(prog);
	rax_obj_free(&o);
}

#define PANIC_LIMIT	"/proc/sys/kernel/rax/panic_limit"

/* The device of the XDP link @link (0 once detached), or -errno. */
static int xdp_link_ifindex(int link)
{
	struct bpf_link_info info;
	union bpf_attr attr;

	memset(&info, 0, sizeof(info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = link;
	attr.info.info_len = sizeof(info);
	attr.info.info = (unsigned long)&info;
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr))
		return -errno;
	return info.xdp.ifindex;
}

/*
 * kernel.rax.panic_limit: the third panic disables the program (its later
 * runs return the default verdict without running, counted in
 * rax_skipped) and, from a work item, detaches it from its XDP link on
 * lo. The limit is the one in force at load: a program loaded with 0
 * panics on.
 */
TEST(panic_limit_disables_and_detaches)
{
	struct rax_obj_file o = rax_obj_read("oob.o");
	struct rax_load_opts opts = { .prog_type = BPF_PROG_TYPE_XDP, .name = "oob_panic" };
	unsigned char pkt[64] = { 0 };
	int prog, link, ifindex, i;
	long long old;

	ASSERT_NE(0, o.img.size) TH_LOG("RAX_TEST_OBJECTS/oob.o missing");
	old = read_ll_file(PANIC_LIMIT);
	ASSERT_EQ(0, old) TH_LOG("kernel.rax.panic_limit is %lld, not its default 0", old);
	ASSERT_EQ(0, write_file(PANIC_LIMIT, "3\n"));
	prog = rax_load_opts(o.img.data, o.img.size, o.sig.data, o.sig.size, &opts);
	write_file(PANIC_LIMIT, "0\n");
	ASSERT_LE(0, prog) TH_LOG("load: %s\n%s", strerror(-prog), log_buf);
	EXPECT_EQ(3, fdinfo_ll(prog, "rax_panic_limit"));
	EXPECT_EQ(0, fdinfo_ll(prog, "rax_disabled"));

	link = rax_link_create(prog, 1 /* lo */, BPF_XDP, XDP_FLAGS_SKB_MODE);
	ASSERT_LE(0, link) TH_LOG("BPF_LINK_CREATE(xdp, lo): %s", strerror(-link));

	for (i = 0; i < 3; i++)
		EXPECT_EQ(XDP_ABORTED, test_run(prog, pkt, sizeof(pkt), 1));
	EXPECT_EQ(3, fdinfo_ll(prog, "rax_panics"));
	EXPECT_EQ(1, fdinfo_ll(prog, "rax_disabled"));

	/*
	 * Detached, the link no longer names a device. Wait for it before
	 * running again: the detach repatches the XDP dispatcher, and under
	 * QEMU's TCG, running the dispatcher on one CPU while another
	 * repatches it has oopsed on an int3 in bpf_dispatcher_xdp_func,
	 * with eBPF programs alone.
	 */
	ifindex = xdp_link_ifindex(link);
	for (i = 0; i < 500 && ifindex; i++) {
		usleep(10000);
		ifindex = xdp_link_ifindex(link);
	}
	EXPECT_EQ(0, ifindex) TH_LOG("the link is still on ifindex %d", ifindex);

	for (i = 0; i < 2; i++)
		EXPECT_EQ(XDP_ABORTED, test_run(prog, pkt, sizeof(pkt), 1));
	EXPECT_EQ(3, fdinfo_ll(prog, "rax_panics"));
	EXPECT_EQ(2, fdinfo_ll(prog, "rax_skipped"));
	close(link);
	close(prog);

	prog = rax_load_opts(o.img.data, o.img.size, o.sig.data, o.sig.size, &opts);
	ASSERT_LE(0, prog) TH_LOG("load: %s\n%s", strerror(-prog), log_buf);
	EXPECT_EQ(0, fdinfo_ll(prog, "rax_panic_limit"));
	for (i = 0; i < 5; i++)
		EXPECT_EQ(XDP_ABORTED, test_run(prog, pkt, sizeof(pkt), 1));
	EXPECT_EQ(5, fdinfo_ll(prog, "rax_panics"));
	EXPECT_EQ(0, fdinfo_ll(prog, "rax_disabled"));
	EXPECT_EQ(0, fdinfo_ll(prog, "rax_skipped"));
	close(prog);
	rax_obj_free(&o);
}

/* The loader is not trusted: the maps must be the signed definitions. */
FIXTURE(maps) {
	struct rax_obj_file o;
	int fds[MAX_MAPS];
	int nmaps;
	unsigned int progs_before, maps_before;
};

FIXTURE_SETUP(maps)
{
	self->o = rax_obj_read("xdp.o");
	ASSERT_NE(0, self->o.img.size) TH_LOG("RAX_TEST_OBJECTS/xdp.o missing");
	self->progs_before = count_progs();
	self->maps_before = count_maps();
	self->nmaps = rax_create_maps(&self->o.img, self->fds, MAX_MAPS);
	ASSERT_EQ(2, self->nmaps);
}

FIXTURE_TEARDOWN(maps)
{
	int i;

	for (i = 0; i < self->nmaps; i++)
		close(self->fds[i]);
	rax_obj_free(&self->o);
	/* Nothing a refused load took is left behind, once the deferred
	 * release of the refused program has run.
	 */
	EXPECT_EQ(self->progs_before, count_progs());
	EXPECT_EQ(self->maps_before, settle(count_maps, self->maps_before, 2000));
}

static int load_with(struct rax_obj_file *o, const int *fds, unsigned int n)
{
	struct rax_load_opts opts = { .prog_type = BPF_PROG_TYPE_XDP,
				      .fd_array = fds, .fd_array_cnt = n };

	return rax_load_opts(o->img.data, o->img.size, o->sig.data, o->sig.size, &opts);
}

TEST_F(maps, fewer_maps_than_defined)
{
	EXPECT_EQ(-EINVAL, load_with(&self->o, self->fds, 1));
	expect_log(_metadata, "rax: maps: the object defines 2 maps, fd_array_cnt is 1");
}

TEST_F(maps, value_size_differs)
{
	const struct rax_map_def *defs;
	struct rax_map_def bad;
	int i = rax_map_index(&self->o.img, "PROTO_COUNT"), fd, fds[MAX_MAPS];

	ASSERT_LE(0, i);
	rax_obj_maps(&self->o.img, &defs);
	bad = defs[i];
	bad.value_size = 4;
	fd = rax_map_create(&bad);
	ASSERT_LE(0, fd);
	memcpy(fds, self->fds, sizeof(fds));
	fds[i] = fd;
	EXPECT_EQ(-EINVAL, load_with(&self->o, fds, self->nmaps));
	expect_log(_metadata, "differs from the signed definition: value size");
	close(fd);
}

TEST_F(maps, map_type_differs)
{
	const struct rax_map_def *defs;
	struct rax_map_def bad;
	int i = rax_map_index(&self->o.img, "ETH_COUNT"), fd, fds[MAX_MAPS];

	ASSERT_LE(0, i);
	rax_obj_maps(&self->o.img, &defs);
	bad = defs[i];
	bad.type = BPF_MAP_TYPE_ARRAY;	/* the object wants a per-CPU array */
	fd = rax_map_create(&bad);
	ASSERT_LE(0, fd);
	memcpy(fds, self->fds, sizeof(fds));
	fds[i] = fd;
	EXPECT_EQ(-EINVAL, load_with(&self->o, fds, self->nmaps));
	expect_log(_metadata, "differs from the signed definition: map type");
	close(fd);
}

TEST_F(maps, fd_is_not_a_map)
{
	int fds[MAX_MAPS], fd = open("/dev/null", O_RDONLY);

	ASSERT_LE(0, fd);
	memcpy(fds, self->fds, sizeof(fds));
	fds[1] = fd;
	EXPECT_EQ(-EINVAL, load_with(&self->o, fds, self->nmaps));
	expect_log(_metadata, "is not a map");
	close(fd);
}

/*
 * A panic that reaches the limit after the program's last reference was
 * dropped: hooks run programs under RCU, so a run can outlive its fd and
 * its attachment. late_panic.o's tracepoint entry runs for 5 ms, then
 * panics, on every getppid() a child makes on CPU 1; each round loads it
 * with a panic limit of 1, attaches it, waits until a run has started and
 * closes the perf event and the fd while that run goes on. The panic then
 * finds the reference count at zero: no reference may be taken from zero
 * (a double put and a work item on a freed program: KASAN, and the
 * console check, would report it), and every program is freed.
 */
#define DYING_ROUNDS	30

TEST(panic_limit_on_a_dying_program)
{
	struct rax_obj_file o = rax_obj_read("late_panic.o");
	unsigned long long run_us = 5000, started;
	unsigned int progs = count_progs(), key = 0, one = 1;
	int fds[2], n, prog, pfd, round, i, status, in_flight = 0;
	pid_t child;

	ASSERT_NE(0, o.img.size) TH_LOG("late_panic.o missing");
	n = rax_create_maps(&o.img, fds, 2);
	ASSERT_EQ(1, n);
	ASSERT_EQ(0, map_update(fds[0], &key, &run_us));

	child = fork();
	ASSERT_LE(0, child);
	if (!child) {
		rax_pin_cpu(1);
		for (;;)
			syscall(__NR_getppid);
	}
	ASSERT_EQ(0, rax_pin_cpu(0));
	for (round = 0; round < DYING_ROUNDS; round++) {
		ASSERT_EQ(0, write_file(PANIC_LIMIT, "1\n"));
		prog = rax_load_entry(&o, fds, n, "rax_entry_late_panic_tp",
				      BPF_PROG_TYPE_TRACEPOINT);
		write_file(PANIC_LIMIT, "0\n");
		ASSERT_LE(0, prog) TH_LOG("load: %s\n%s", strerror(-prog), log_buf);
		started = rax_map_u64(fds[0], one);
		pfd = rax_tracepoint_attach("syscalls/sys_enter_getppid", -1, 1, prog);
		ASSERT_LE(0, pfd) TH_LOG("attach: %s", strerror(-pfd));
		for (i = 0; i < 1000 && rax_map_u64(fds[0], one) == started; i++)
			usleep(100);
		in_flight += rax_map_u64(fds[0], one) != started;
		close(pfd);
		close(prog);
	}
	kill(child, SIGKILL);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ksft_print_msg("%d of %d rounds closed the program during a run\n",
		       in_flight, DYING_ROUNDS);
	EXPECT_LT(DYING_ROUNDS / 2, in_flight);
	/* Every program goes, after its grace period and work item. */
	for (i = 0; i < 300 && count_progs() > progs; i++)
		usleep(10000);
	EXPECT_EQ(progs, count_progs());
	close(fds[0]);
	rax_obj_free(&o);
}

/*
 * Loads, runs, unloads and refused loads return the kernel's pages to
 * their baseline: the code in the shared program packs (rule.o's 512
 * rules need about 100 kB each, so a leaked image would soon take a new
 * 2 MB pack), the data pages from execmem (at least a page per load),
 * the image copies. Slab objects are kmemleak's part, scanned after the
 * run.
 */
TEST(load_cycles_return_memory_to_baseline)
{
	enum { CYCLES = 40 };
	static const char *const files[] = { "xdp.o", "rule.o" };
	struct rax_obj_file o[2], bad;
	unsigned int progs, maps;
	unsigned char pkt[64] = { 0 };
	long long before, after;
	int c, f, fd, fds[MAX_MAPS], n;

	for (f = 0; f < 2; f++) {
		o[f] = rax_obj_read(files[f]);
		ASSERT_NE(0, o[f].img.size) TH_LOG("%s missing", files[f]);
	}
	bad = rax_obj_read("xdp.o");
	ASSERT_NE(0, bad.img.size);
	bad.img.data[bad.img.size / 2] ^= 0x40;	/* the signature no longer matches */

	progs = count_progs();
	maps = count_maps();
	for (c = -1; c < CYCLES; c++) {
		if (c == 0) {	/* after a warm-up cycle, released */
			EXPECT_EQ(progs, settle(count_progs, progs, 2000));
			EXPECT_EQ(maps, settle(count_maps, maps, 2000));
			before = meminfo_kb("VmallocUsed");
			ASSERT_LE(0, before);
		}
		for (f = 0; f < 2; f++) {
			n = rax_create_maps(&o[f].img, fds, MAX_MAPS);
			ASSERT_LE(0, n);
			fd = load_with(&o[f], fds, n);
			ASSERT_LE(0, fd) TH_LOG("%s: %s\n%s", files[f], strerror(-fd), log_buf);
			EXPECT_LE(0, test_run(fd, pkt, sizeof(pkt), 1));
			close(fd);
			while (n--)
				close(fds[n]);
		}
		EXPECT_EQ(-EKEYREJECTED, load_with(&bad, NULL, 0));
	}

	EXPECT_EQ(progs, settle(count_progs, progs, 2000));
	EXPECT_EQ(maps, settle(count_maps, maps, 2000));
	after = vmalloc_settle(before + 256, 2000);
	EXPECT_GE(before + 256, after)
		TH_LOG("VmallocUsed %lld kB before %d load cycles, %lld kB after",
		       before, CYCLES, after);
	for (f = 0; f < 2; f++)
		rax_obj_free(&o[f]);
	rax_obj_free(&bad);
}

TEST_HARNESS_MAIN
