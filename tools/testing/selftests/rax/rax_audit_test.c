// SPDX-License-Identifier: GPL-2.0
/*
 * The audit record of a Rax program's load names the key that signed it.
 *
 * The test registers itself as the audit daemon (AUDIT_SET over
 * NETLINK_AUDIT), loads xdp.o and reads the AUDIT_BPF records the kernel
 * sends it: the LOAD record of the program carries rax=1, its tag and the
 * signer's description (hex, as audit encodes strings with spaces), the
 * same description fdinfo shows. An eBPF program's record has none of it.
 *
 * A security module sees the signer too: an eBPF LSM program (the BPF LSM)
 * on the bpf_prog_load hook copies prog->aux->rax->signer into a map and
 * refuses Rax loads when the map says so.
 */

#include <linux/audit.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>

#include "../kselftest_harness.h"
#include "rax_util.h"
#include "rax_btf.h"

static int audit_set(int sock, __u32 mask, __u32 enabled, __u32 pid)
{
	struct {
		struct nlmsghdr nlh;
		struct audit_status s;
	} req;
	struct sockaddr_nl to = { .nl_family = AF_NETLINK };

	memset(&req, 0, sizeof(req));
	req.nlh.nlmsg_len = NLMSG_LENGTH(sizeof(req.s));
	req.nlh.nlmsg_type = AUDIT_SET;
	req.nlh.nlmsg_flags = NLM_F_REQUEST;
	req.s.mask = mask;
	req.s.enabled = enabled;
	req.s.pid = pid;
	if (sendto(sock, &req, req.nlh.nlmsg_len, 0, (struct sockaddr *)&to,
		   sizeof(to)) < 0)
		return -errno;
	return 0;
}

/*
 * The text of the AUDIT_BPF record with "prog-id=@id op=@op", after its
 * header, waiting up to three seconds; "" if none came.
 */
static const char *audit_bpf_record(int sock, __u32 id, const char *op)
{
	static char text[1024];
	char want[64], buf[8192];
	time_t end = time(NULL) + 3;

	snprintf(want, sizeof(want), "prog-id=%u op=%s", id, op);
	while (time(NULL) < end) {
		struct pollfd p = { .fd = sock, .events = POLLIN };
		struct nlmsghdr *nlh;
		const char *body;
		ssize_t n;
		int len;

		if (poll(&p, 1, 100) <= 0)
			continue;
		n = recv(sock, buf, sizeof(buf), 0);
		if (n <= 0)
			continue;
		/*
		 * One record per datagram; its nlmsg_len leaves out the
		 * header (an audit quirk, see audit_log_end()).
		 */
		nlh = (void *)buf;
		if (n < NLMSG_HDRLEN || nlh->nlmsg_type != AUDIT_BPF)
			continue;
		len = n - NLMSG_HDRLEN;
		if (nlh->nlmsg_len < (unsigned int)len)
			len = nlh->nlmsg_len;
		snprintf(text, sizeof(text), "%.*s", len, (char *)NLMSG_DATA(nlh));
		/* After the "audit(time:serial): " header. */
		body = strstr(text, "): ");
		body = body ? body + 3 : text;
		if (!strncmp(body, want, strlen(want)) &&
		    (body[strlen(want)] == ' ' || !body[strlen(want)]))
			return body;
	}
	return "";
}

static __u32 prog_id(int fd)
{
	struct bpf_prog_info info;
	union bpf_attr attr;

	memset(&info, 0, sizeof(info));
	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = fd;
	attr.info.info_len = sizeof(info);
	attr.info.info = (unsigned long)&info;
	return sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr) ? 0 : info.id;
}

static void hex_encode(const char *s, char *out, size_t size)
{
	size_t i;

	for (i = 0; s[i] && 2 * i + 2 < size; i++)
		sprintf(out + 2 * i, "%02X", (unsigned char)s[i]);
}

FIXTURE(audit) {
	int sock;
};

FIXTURE_SETUP(audit)
{
	struct sockaddr_nl me = { .nl_family = AF_NETLINK };
	int err;

	self->sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	ASSERT_LE(0, self->sock)
		TH_LOG("no NETLINK_AUDIT (CONFIG_AUDIT): %s", strerror(errno));
	ASSERT_EQ(0, bind(self->sock, (struct sockaddr *)&me, sizeof(me)));
	err = audit_set(self->sock, AUDIT_STATUS_ENABLED | AUDIT_STATUS_PID, 1, getpid());
	ASSERT_EQ(0, err) TH_LOG("AUDIT_SET: %s", strerror(-err));
}

FIXTURE_TEARDOWN(audit)
{
	audit_set(self->sock, AUDIT_STATUS_ENABLED | AUDIT_STATUS_PID, 0, 0);
	close(self->sock);
}

TEST_F(audit, load_record_names_the_signer)
{
	struct rax_obj_file o = rax_obj_read("xdp.o");
	struct blob tag = load_file("xdp.o.tag");
	int fds[4], n, fd;
	struct rax_load_opts opts = { .prog_type = BPF_PROG_TYPE_XDP, .name = "audited" };
	char want[512], hex[512] = "";
	const char *rec;
	__u32 id;

	ASSERT_NE(0, o.img.size);
	ASSERT_NE(0, tag.size);
	n = rax_create_maps(&o.img, fds, 4);
	ASSERT_LE(0, n);
	opts.fd_array = fds;
	opts.fd_array_cnt = n;
	fd = rax_load_opts(o.img.data, o.img.size, o.sig.data, o.sig.size, &opts);
	ASSERT_LE(0, fd) TH_LOG("load: %s\n%s", strerror(-fd), log_buf);
	id = prog_id(fd);
	ASSERT_NE(0, id);

	rec = audit_bpf_record(self->sock, id, "LOAD");
	ASSERT_STRNE("", rec) TH_LOG("no AUDIT_BPF LOAD record for prog %u", id);
	hex_encode(fdinfo_value(fd, "rax_signer"), hex, sizeof(hex));
	ASSERT_STRNE("", hex);
	snprintf(want, sizeof(want), "prog-id=%u op=LOAD rax=1 rax_tag=%.16s rax_signer=%s",
		 id, (char *)tag.data, hex);
	EXPECT_STREQ(want, rec);

	close(fd);
	rec = audit_bpf_record(self->sock, id, "UNLOAD");
	EXPECT_NE(NULL, strstr(rec, "rax=1")) TH_LOG("UNLOAD record: '%s'", rec);
	while (n--)
		close(fds[n]);
	blob_free(&tag);
	rax_obj_free(&o);
}

/* An eBPF program's record is as it always was. */
TEST_F(audit, ebpf_record_unchanged)
{
	struct bpf_insn insns[] = {
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_PASS),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	char want[64];
	const char *rec;
	int fd;
	__u32 id;

	fd = ebpf_load(insns, ARRAY_SIZE(insns), "ebpf_audited");
	ASSERT_LE(0, fd) TH_LOG("eBPF load: %s\n%s", strerror(-fd), log_buf);
	id = prog_id(fd);
	rec = audit_bpf_record(self->sock, id, "LOAD");
	snprintf(want, sizeof(want), "prog-id=%u op=LOAD", id);
	EXPECT_STREQ(want, rec);
	close(fd);
}

/* What the LSM program saw, in its one-element array map. */
struct lsm_seen {
	__s64 deny;		/* set by the test: refuse Rax loads */
	__u64 calls;		/* bpf_prog_load hooks run */
	__u64 rax_calls;	/* of them, for a Rax program */
	char signer[128];	/* RAX_SIGNER_LEN: prog->aux->rax->signer */
};

/*
 * An LSM program on bpf_prog_load: count every call; for a Rax program
 * (prog->aux->rax set) count it, copy its signer's description, and
 * return -EPERM if seen->deny is set. Offsets come from the kernel's BTF.
 */
static int lsm_load(int map, int off_aux, int off_rax, int off_signer)
{
	struct bpf_insn insns[64];
	int n = 0, exit0[3], nexit = 0, i, id;

	insns[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_1, 0, 0);
	insns[n++] = INSN(BPF_ST | BPF_MEM | BPF_W, BPF_REG_10, 0, -4, 0);
	insns[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_10, 0, 0);
	insns[n++] = INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_2, 0, 0, -4);
	insns[n++] = INSN(BPF_LD | BPF_DW | BPF_IMM, BPF_REG_1, BPF_PSEUDO_MAP_FD, 0, map);
	insns[n++] = INSN(0, 0, 0, 0, 0);
	insns[n++] = INSN(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
	exit0[nexit++] = n;
	insns[n++] = INSN(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_0, 0, 0, 0);
	insns[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_9, BPF_REG_0, 0, 0);
	/* seen->calls++ */
	insns[n++] = INSN(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_1, BPF_REG_9, 8, 0);
	insns[n++] = INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_1, 0, 0, 1);
	insns[n++] = INSN(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_9, BPF_REG_1, 8, 0);
	/* r8 = prog->aux->rax */
	insns[n++] = INSN(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_1, BPF_REG_6, 0, 0);
	insns[n++] = INSN(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_1, BPF_REG_1, off_aux, 0);
	insns[n++] = INSN(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_8, BPF_REG_1, off_rax, 0);
	exit0[nexit++] = n;
	insns[n++] = INSN(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_8, 0, 0, 0);
	/* seen->rax_calls++, seen->signer = rax->signer */
	insns[n++] = INSN(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_1, BPF_REG_9, 16, 0);
	insns[n++] = INSN(BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_1, 0, 0, 1);
	insns[n++] = INSN(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_9, BPF_REG_1, 16, 0);
	for (i = 0; i < 128; i += 8) {
		insns[n++] = INSN(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_1, BPF_REG_8,
				  off_signer + i, 0);
		insns[n++] = INSN(BPF_STX | BPF_MEM | BPF_DW, BPF_REG_9, BPF_REG_1, 24 + i, 0);
	}
	/* return seen->deny ? -EPERM : 0 */
	insns[n++] = INSN(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_1, BPF_REG_9, 0, 0);
	exit0[nexit++] = n;
	insns[n++] = INSN(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_1, 0, 0, 0);
	insns[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, -EPERM);
	insns[n++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	for (i = 0; i < nexit; i++)
		insns[exit0[i]].off = n - exit0[i] - 1;
	insns[n++] = INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
	insns[n++] = INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);

	id = rax_btf_func_id("bpf_lsm_bpf_prog_load");
	if (id < 0)
		return id;
	return ebpf_load_attach(BPF_PROG_TYPE_LSM, BPF_LSM_MAC, id, insns, n, "rax_lsm");
}

static int lsm_seen_get(int map, struct lsm_seen *seen)
{
	__u32 key = 0;

	return map_lookup(map, &key, seen);
}

/* Load xdp.o with its maps: the program's fd, or -errno. */
static int xdp_obj_load(const struct rax_obj_file *o)
{
	struct rax_load_opts opts = { .prog_type = BPF_PROG_TYPE_XDP };
	int fds[8], n, fd, i;

	n = rax_create_maps(&o->img, fds, 8);
	if (n < 0)
		return n;
	opts.fd_array = fds;
	opts.fd_array_cnt = n;
	fd = rax_load_opts(o->img.data, o->img.size, o->sig.data, o->sig.size, &opts);
	for (i = 0; i < n; i++)
		close(fds[i]);
	return fd;
}

/*
 * The LSM hook runs for a Rax program after its signature check: it sees
 * the signer fdinfo shows, a refused signature never reaches it, and its
 * -EPERM stops a Rax load, while the eBPF loads it lets through go on.
 * Before, the hook ran before the signature check, with prog->aux->rax
 * still NULL: an LSM could not tell who signed the program.
 */
TEST(lsm_sees_the_signer)
{
	struct rax_map_def def = {
		.type = BPF_MAP_TYPE_ARRAY, .key_size = 4,
		.value_size = sizeof(struct lsm_seen), .max_entries = 1,
	};
	const struct bpf_insn pass[] = {
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, XDP_PASS),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	struct rax_obj_file xdp = rax_obj_read("xdp.o");
	struct blob prov = load_file("prov.o"), bare = load_file("prov.o.bare.sig");
	int off_aux, off_rax, off_signer, map, lsm, link, fd;
	struct lsm_seen seen, before;
	union bpf_attr attr;
	struct btf *btf;
	__u32 key = 0;

	ASSERT_NE(0, xdp.img.size) TH_LOG("RAX_TEST_OBJECTS/xdp.o missing");
	ASSERT_NE(0, bare.size) TH_LOG("RAX_TEST_OBJECTS/prov.o.bare.sig missing");
	btf = btf__load_vmlinux_btf();
	ASSERT_NE(NULL, btf) TH_LOG("the kernel's BTF: %s", strerror(errno));
	off_aux = rax_btf_member_off(btf, "bpf_prog", "aux");
	off_rax = rax_btf_member_off(btf, "bpf_prog_aux", "rax");
	off_signer = rax_btf_member_off(btf, "rax_prog", "signer");
	btf__free(btf);
	ASSERT_LE(0, off_aux);
	ASSERT_LE(0, off_rax);
	ASSERT_LE(0, off_signer);

	map = rax_map_create(&def);
	ASSERT_LE(0, map);
	lsm = lsm_load(map, off_aux, off_rax, off_signer);
	ASSERT_LE(0, lsm) TH_LOG("LSM program (CONFIG_BPF_LSM, lsm=...,bpf): %s\n%s",
				 strerror(-lsm), log_buf);
	memset(&attr, 0, sizeof(attr));
	attr.link_create.prog_fd = lsm;
	attr.link_create.attach_type = BPF_LSM_MAC;
	link = sys_bpf(BPF_LINK_CREATE, &attr);
	ASSERT_LE(0, link) TH_LOG("attaching the LSM program: %s", strerror(errno));

	/* Allowed: the hook saw the program with its signer. */
	fd = xdp_obj_load(&xdp);
	ASSERT_LE(0, fd) TH_LOG("load: %s\n%s", strerror(-fd), log_buf);
	ASSERT_EQ(0, lsm_seen_get(map, &seen));
	EXPECT_EQ(1, seen.rax_calls);
	EXPECT_LE(1, seen.calls);
	seen.signer[sizeof(seen.signer) - 1] = '\0';
	EXPECT_NE(0, seen.signer[0]);
	EXPECT_EQ(0, strncmp(seen.signer, fdinfo_value(fd, "rax_signer"),
			     sizeof(seen.signer) - 1))
		TH_LOG("LSM saw \"%s\", fdinfo says \"%s\"", seen.signer,
		       fdinfo_value(fd, "rax_signer"));
	close(fd);

	/* A signature the kernel refuses never reaches the hook. */
	before = seen;
	EXPECT_EQ(-EKEYREJECTED, rax_load(prov.data, prov.size, bare.data, bare.size, 0, 0));
	ASSERT_EQ(0, lsm_seen_get(map, &seen));
	EXPECT_EQ(before.calls, seen.calls);
	EXPECT_EQ(before.rax_calls, seen.rax_calls);

	/* Denied: the LSM's errno, after the signature check. */
	seen.deny = 1;
	ASSERT_EQ(0, map_update(map, &key, &seen));
	fd = xdp_obj_load(&xdp);
	EXPECT_EQ(-EPERM, fd);
	if (fd >= 0)
		close(fd);
	ASSERT_EQ(0, lsm_seen_get(map, &seen));
	EXPECT_EQ(before.rax_calls + 1, seen.rax_calls);

	/* eBPF loads pass the same hook, and this LSM lets them through. */
	before = seen;
	fd = ebpf_load(pass, ARRAY_SIZE(pass), "lsm_control");
	EXPECT_LE(0, fd) TH_LOG("eBPF load under the LSM: %s\n%s", strerror(-fd), log_buf);
	if (fd >= 0)
		close(fd);
	ASSERT_EQ(0, lsm_seen_get(map, &seen));
	EXPECT_EQ(before.calls + 1, seen.calls);
	EXPECT_EQ(before.rax_calls, seen.rax_calls);

	/* Detached, it decides nothing. */
	close(link);
	close(lsm);
	fd = xdp_obj_load(&xdp);
	EXPECT_LE(0, fd) TH_LOG("load after the LSM went: %s\n%s", strerror(-fd), log_buf);
	if (fd >= 0)
		close(fd);
	close(map);
	blob_free(&prov);
	blob_free(&bare);
	rax_obj_free(&xdp);
}

TEST_HARNESS_MAIN
