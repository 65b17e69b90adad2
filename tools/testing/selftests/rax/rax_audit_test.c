// SPDX-License-Identifier: GPL-2.0
/*
 * The audit record of a Rax program's load names the key that signed it.
 *
 * The test registers itself as the audit daemon (AUDIT_SET over
 * NETLINK_AUDIT), loads xdp.o and reads the AUDIT_BPF records the kernel
 * sends it: the LOAD record of the program carries rax=1, its tag and the
 * signer's description (hex, as audit encodes strings with spaces), the
 * same description fdinfo shows. An eBPF program's record has none of it.
 */

#include <linux/audit.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>

#include "../kselftest_harness.h"
#include "rax_util.h"

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

TEST_HARNESS_MAIN
