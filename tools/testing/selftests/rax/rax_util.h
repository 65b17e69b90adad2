/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the Rax selftests share: reading the test objects, loading one as
 * a Rax program, creating the maps it defines, and counting programs.
 *
 * The test runner passes, through the environment, RAX_TEST_OBJECTS: a
 * directory made by scripts/make-test-objects.sh with images signed by the
 * kernel's build-time key (FILE and FILE.sig).
 */
#ifndef __RAX_UTIL_H
#define __RAX_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/elf.h>
#include <linux/perf_event.h>
#include <linux/rax.h>

struct blob {
	unsigned char *data;
	size_t size;
};

/* A file of RAX_TEST_OBJECTS; size 0 when it is missing. */
static inline struct blob load_file(const char *name)
{
	const char *dir = getenv("RAX_TEST_OBJECTS");
	struct blob b = { NULL, 0 };
	char path[512];
	struct stat st;
	int fd;

	if (!dir)
		return b;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return b;
	if (fstat(fd, &st) == 0 && st.st_size > 0) {
		b.data = calloc(1, st.st_size + 1);	/* NUL-terminated */
		if (b.data && read(fd, b.data, st.st_size) == st.st_size)
			b.size = st.st_size;
	}
	close(fd);
	return b;
}

static inline void blob_free(struct blob *b)
{
	free(b->data);
	b->data = NULL;
	b->size = 0;
}

/* An object and its signature, FILE and FILE.sig. */
struct rax_obj_file {
	struct blob img;
	struct blob sig;
};

static inline struct rax_obj_file rax_obj_read(const char *name)
{
	struct rax_obj_file o;
	char sig[256];

	snprintf(sig, sizeof(sig), "%s.sig", name);
	o.img = load_file(name);
	o.sig = load_file(sig);
	return o;
}

static inline void rax_obj_free(struct rax_obj_file *o)
{
	blob_free(&o->img);
	blob_free(&o->sig);
}

static char log_buf[65536];

static inline int sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* Run the calling thread on CPU @cpu only; 0 or -errno. */
static inline int rax_pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -errno : 0;
}

struct rax_load_opts {
	unsigned int prog_type;
	unsigned int expected_attach_type;
	unsigned int entry;
	unsigned int flags;		/* prog_flags beyond BPF_F_RAX */
	int keyring_id;
	const int *fd_array;
	unsigned int fd_array_cnt;
	const char *name;
	unsigned int budget_us;		/* 0: kernel.rax.budget_max_us */
	void (*edit)(union bpf_attr *attr);	/* last change before the call */
};

/* Load @img/@sig as a Rax program; returns the fd or -errno. */
static inline int rax_load_opts(const void *img, size_t img_size,
				const void *sig, size_t sig_size,
				const struct rax_load_opts *o)
{
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	memset(log_buf, 0, sizeof(log_buf));
	attr.prog_type = o->prog_type;
	attr.expected_attach_type = o->expected_attach_type;
	attr.prog_flags = BPF_F_RAX | o->flags;
	attr.license = (unsigned long)"GPL";
	attr.log_level = 1;
	attr.log_buf = (unsigned long)log_buf;
	attr.log_size = sizeof(log_buf);
	attr.rax_image = (unsigned long)img;
	attr.rax_image_size = img_size;
	attr.rax_entry = o->entry;
	attr.signature = (unsigned long)sig;
	attr.signature_size = sig_size;
	attr.keyring_id = o->keyring_id;
	attr.fd_array = (unsigned long)o->fd_array;
	attr.fd_array_cnt = o->fd_array_cnt;
	attr.rax_budget_us = o->budget_us;
	snprintf(attr.prog_name, sizeof(attr.prog_name), "%s",
		 o->name ? o->name : "rax_test");
	if (o->edit)
		o->edit(&attr);
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	return fd < 0 ? -errno : fd;
}

/* Load @img/@sig as a Rax XDP program with no maps. */
static inline int rax_load(const void *img, size_t img_size, const void *sig,
			   size_t sig_size, unsigned int extra_flags,
			   int keyring_id)
{
	struct rax_load_opts o = {
		.prog_type = BPF_PROG_TYPE_XDP,
		.flags = extra_flags,
		.keyring_id = keyring_id,
	};

	return rax_load_opts(img, img_size, sig, sig_size, &o);
}

/* The section @name of an ELF object, or NULL. */
static inline const void *rax_elf_section(const struct blob *b, const char *name,
					  size_t *size)
{
	const struct elf64_hdr *eh = (const void *)b->data;
	const struct elf64_shdr *sh;
	const char *names;
	unsigned int i;

	if (b->size < sizeof(*eh) || eh->e_shoff > b->size ||
	    eh->e_shnum > (b->size - eh->e_shoff) / sizeof(*sh) ||
	    eh->e_shstrndx >= eh->e_shnum)
		return NULL;
	sh = (const void *)(b->data + eh->e_shoff);
	names = (const char *)b->data + sh[eh->e_shstrndx].sh_offset;
	for (i = 1; i < eh->e_shnum; i++) {
		if (sh[i].sh_offset > b->size || sh[i].sh_size > b->size - sh[i].sh_offset)
			continue;
		if (!strcmp(names + sh[i].sh_name, name)) {
			*size = sh[i].sh_size;
			return b->data + sh[i].sh_offset;
		}
	}
	return NULL;
}

/* The number of maps @b defines; their definitions in *@defs. */
static inline unsigned int rax_obj_maps(const struct blob *b,
					const struct rax_map_def **defs)
{
	size_t size = 0;

	*defs = rax_elf_section(b, RAX_SECTION_MAPS, &size);
	return *defs ? size / sizeof(**defs) : 0;
}

/* The index of the entry whose symbol is @symbol, or -1. */
static inline int rax_entry_index(const struct blob *b, const char *symbol)
{
	const struct rax_entry_def *e;
	size_t size = 0;
	unsigned int i;

	e = rax_elf_section(b, RAX_SECTION_ENTRIES, &size);
	for (i = 0; e && i < size / sizeof(*e); i++)
		if (!strncmp(e[i].symbol, symbol, RAX_SYMBOL_LEN))
			return i;
	return -1;
}

/* The integer at the start of the file @path, or -1. */
static inline long long read_ll_file(const char *path)
{
	FILE *f = fopen(path, "r");
	long long v = -1;

	if (f) {
		if (fscanf(f, "%lld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

/* tracefs, where the tests find kprobe_events, the trace and the events. */
#define RAX_TRACEFS	"/sys/kernel/tracing/"
#define RAX_KPROBE_EVENTS	RAX_TRACEFS "kprobe_events"

/* @count() once it equals @want, or after @ms milliseconds. */
static inline unsigned int settle(unsigned int (*count)(void), unsigned int want,
				  unsigned int ms)
{
	unsigned int n = count(), i;

	for (i = 0; i < ms / 10 && n != want; i++) {
		usleep(10000);
		n = count();
	}
	return n;
}

/* A field of /proc/meminfo, in kB; -1 if missing. */
static inline long long meminfo_kb(const char *field)
{
	FILE *f = fopen("/proc/meminfo", "r");
	size_t n = strlen(field);
	char line[128];
	long long v = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, n) && line[n] == ':') {
			v = atoll(line + n + 1);
			break;
		}
	fclose(f);
	return v;
}

/* The vmalloc'd kB, once it is back under @limit, or after @ms milliseconds. */
static inline long long vmalloc_settle(long long limit, unsigned int ms)
{
	long long v = meminfo_kb("VmallocUsed");
	unsigned int i;

	for (i = 0; i < ms / 10 && v > limit; i++) {
		usleep(10000);
		v = meminfo_kb("VmallocUsed");
	}
	return v;
}

/* Write @s to the file @path, opened with O_WRONLY | @flags; 0 or -errno. */
static inline int write_flags(const char *path, const char *s, int flags)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | flags);
	ssize_t n;
	int err;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	err = n < 0 ? -errno : 0;
	close(fd);
	return err;
}

/* Write @s to the file @path; 0 or -errno. */
static inline int write_file(const char *path, const char *s)
{
	return write_flags(path, s, O_TRUNC);
}

/* Append @s to the file @path (kprobe_events takes one command a write). */
static inline int append_file(const char *path, const char *s)
{
	return write_flags(path, s, O_APPEND);
}

/*
 * Run @prog on tracepoint @event ("CATEGORY/NAME") for task @pid (-1: all)
 * on CPU @cpu (-1: all), as perf_event_open() takes them: the perf
 * event's fd, or -errno.
 */
static inline int rax_tracepoint_attach(const char *event, int pid, int cpu, int prog)
{
	struct perf_event_attr pa;
	char path[256];
	long long id;
	int pfd;

	snprintf(path, sizeof(path), RAX_TRACEFS "events/%s/id", event);
	id = read_ll_file(path);
	if (id < 0)
		return -ENOENT;
	memset(&pa, 0, sizeof(pa));
	pa.size = sizeof(pa);
	pa.type = PERF_TYPE_TRACEPOINT;
	pa.config = id;
	pa.sample_period = 1;
	pfd = syscall(__NR_perf_event_open, &pa, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (pfd < 0)
		return -errno;
	if (ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog) ||
	    ioctl(pfd, PERF_EVENT_IOC_ENABLE, 0)) {
		int err = -errno;

		close(pfd);
		return err;
	}
	return pfd;
}

/*
 * NMIs on demand (CONFIG_RAX_NMI_TRIGGER): writing "CPU COUNT" sends
 * COUNT NMIs to CPU, each handled before the next is sent; reading gives
 * the number handled so far.
 */
#define RAX_NMI_TRIGGER	"/sys/kernel/debug/rax/nmi"

/* Send @count NMIs to @cpu; 0 or -errno. */
static inline int rax_nmi_send(int cpu, int count)
{
	char s[32];

	snprintf(s, sizeof(s), "%d %d\n", cpu, count);
	return write_file(RAX_NMI_TRIGGER, s);
}

/* BTF writing, for the value of a map that holds a bpf_spin_lock. */
#define RAX_BTF_INFO(kind, vlen)	(((kind) << 24) | (vlen))
#define RAX_BTF_INT_BITS(bits)		(bits)

struct rax_btf {
	unsigned char buf[512];
	__u32 type_len, str_len;
	char strs[128];
	__u32 nr_types;
};

static inline __u32 rax_btf_str(struct rax_btf *b, const char *s)
{
	__u32 off = b->str_len;

	memcpy(b->strs + off, s, strlen(s) + 1);
	b->str_len += strlen(s) + 1;
	return off;
}

static inline void rax_btf_u32(struct rax_btf *b, __u32 v)
{
	memcpy(b->buf + sizeof(struct btf_header) + b->type_len, &v, sizeof(v));
	b->type_len += sizeof(v);
}

/* Appends a btf_type; returns its id. */
static inline __u32 rax_btf_type(struct rax_btf *b, const char *name, __u32 info,
				 __u32 size)
{
	rax_btf_u32(b, name ? rax_btf_str(b, name) : 0);
	rax_btf_u32(b, info);
	rax_btf_u32(b, size);
	return ++b->nr_types;
}

/*
 * Load BTF for @def's value: a struct of value_size bytes with a struct
 * bpf_spin_lock at @lock_off, the key an int (4 bytes) or a byte array.
 * Returns the BTF fd or -errno; the type ids in *@key_id, *@value_id.
 */
static inline int rax_lock_btf_load(const struct rax_map_def *def, __u32 lock_off,
				    __u32 *key_id, __u32 *value_id)
{
	struct rax_btf b;
	struct btf_header *h = (void *)b.buf;
	union bpf_attr attr;
	__u32 u8_id, u32_id, lock_id;
	int fd;

	memset(&b, 0, sizeof(b));
	rax_btf_str(&b, "");
	u8_id = rax_btf_type(&b, "u8", RAX_BTF_INFO(BTF_KIND_INT, 0), 1);
	rax_btf_u32(&b, RAX_BTF_INT_BITS(8));
	u32_id = rax_btf_type(&b, "u32", RAX_BTF_INFO(BTF_KIND_INT, 0), 4);
	rax_btf_u32(&b, RAX_BTF_INT_BITS(32));
	lock_id = rax_btf_type(&b, "bpf_spin_lock", RAX_BTF_INFO(BTF_KIND_STRUCT, 1), 4);
	rax_btf_u32(&b, rax_btf_str(&b, "val"));
	rax_btf_u32(&b, u32_id);
	rax_btf_u32(&b, 0);
	if (def->key_size == 4) {
		*key_id = u32_id;
	} else {
		*key_id = rax_btf_type(&b, NULL, RAX_BTF_INFO(BTF_KIND_ARRAY, 0), 0);
		rax_btf_u32(&b, u8_id);
		rax_btf_u32(&b, u32_id);
		rax_btf_u32(&b, def->key_size);
	}
	*value_id = rax_btf_type(&b, "value", RAX_BTF_INFO(BTF_KIND_STRUCT, 1),
				 def->value_size);
	rax_btf_u32(&b, rax_btf_str(&b, "lock"));
	rax_btf_u32(&b, lock_id);
	rax_btf_u32(&b, lock_off * 8);

	h->magic = BTF_MAGIC;
	h->version = BTF_VERSION;
	h->hdr_len = sizeof(*h);
	h->type_off = 0;
	h->type_len = b.type_len;
	h->str_off = b.type_len;
	h->str_len = b.str_len;
	memcpy(b.buf + sizeof(*h) + b.type_len, b.strs, b.str_len);

	memset(&attr, 0, sizeof(attr));
	attr.btf = (unsigned long)b.buf;
	attr.btf_size = sizeof(*h) + b.type_len + b.str_len;
	fd = syscall(__NR_bpf, BPF_BTF_LOAD, &attr, sizeof(attr));
	return fd < 0 ? -errno : fd;
}

/*
 * Create a map as @def defines it, its spin lock (if any) described by BTF
 * at @lock_off; returns the fd or -errno.
 */
static inline int rax_map_create_lock_at(const struct rax_map_def *def, __u32 lock_off)
{
	union bpf_attr attr;
	int fd, btf = -1;

	memset(&attr, 0, sizeof(attr));
	if (def->flags & RAX_MAP_SPIN_LOCK) {
		btf = rax_lock_btf_load(def, lock_off, &attr.btf_key_type_id,
					&attr.btf_value_type_id);
		if (btf < 0)
			return btf;
		attr.btf_fd = btf;
	}
	attr.map_type = def->type;
	attr.key_size = def->key_size;
	attr.value_size = def->value_size;
	attr.max_entries = def->max_entries;
	attr.map_flags = def->map_flags;
	memcpy(attr.map_name, def->name,
	       sizeof(attr.map_name) < RAX_MAP_NAME_LEN ?
	       sizeof(attr.map_name) - 1 : RAX_MAP_NAME_LEN - 1);
	fd = sys_bpf(BPF_MAP_CREATE, &attr);
	if (fd < 0)
		fd = -errno;
	if (btf >= 0)
		close(btf);
	return fd;
}

/* Create a map as @def defines it; returns the fd or -errno. */
static inline int rax_map_create(const struct rax_map_def *def)
{
	return rax_map_create_lock_at(def, def->spin_lock_off);
}

/* Create every map @b defines into @fds; returns how many, or -errno. */
static inline int rax_create_maps(const struct blob *b, int *fds, unsigned int max)
{
	const struct rax_map_def *defs;
	unsigned int i, n = rax_obj_maps(b, &defs);

	if (n > max)
		return -E2BIG;
	for (i = 0; i < n; i++) {
		fds[i] = rax_map_create(&defs[i]);
		if (fds[i] < 0) {
			int err = fds[i];

			while (i--)
				close(fds[i]);
			return err;
		}
	}
	return n;
}

/* The index of the map @name in @b's definitions, or -1. */
static inline int rax_map_index(const struct blob *b, const char *name)
{
	const struct rax_map_def *defs;
	unsigned int i, n = rax_obj_maps(b, &defs);

	for (i = 0; i < n; i++)
		if (!strncmp(defs[i].name, name, RAX_MAP_NAME_LEN))
			return i;
	return -1;
}

/* Look @key up in map @fd; 0 or -errno. */
static inline int map_lookup(int fd, const void *key, void *value)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = fd;
	attr.key = (unsigned long)key;
	attr.value = (unsigned long)value;
	return sys_bpf(BPF_MAP_LOOKUP_ELEM, &attr) ? -errno : 0;
}

/* The u64 at @key of the array map @fd, 0 when the lookup fails. */
static inline unsigned long long rax_map_u64(int fd, unsigned int key)
{
	unsigned long long v = 0;

	map_lookup(fd, &key, &v);
	return v;
}

/* A BPF_LINK_CREATE link of @prog on device @ifindex; the fd or -errno. */
static inline int rax_link_create(int prog, int ifindex, unsigned int attach_type,
				  unsigned int flags)
{
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.link_create.prog_fd = prog;
	attr.link_create.target_ifindex = ifindex;
	attr.link_create.attach_type = attach_type;
	attr.link_create.flags = flags;
	fd = sys_bpf(BPF_LINK_CREATE, &attr);
	return fd < 0 ? -errno : fd;
}

/* Set @key of map @fd to @value; 0 or -errno. */
static inline int map_update(int fd, const void *key, const void *value)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = fd;
	attr.key = (unsigned long)key;
	attr.value = (unsigned long)value;
	return sys_bpf(BPF_MAP_UPDATE_ELEM, &attr) ? -errno : 0;
}

/* The same under the value's spin lock (BPF_F_LOCK), for a u32 @key. */
static inline int map_locked(int cmd, int fd, __u32 key, void *value)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.map_fd = fd;
	attr.key = (unsigned long)&key;
	attr.value = (unsigned long)value;
	attr.flags = BPF_F_LOCK;
	return sys_bpf(cmd, &attr) ? -errno : 0;
}

/* Run @prog once per @repeat on @pkt; returns retval or -errno. */
static inline long long test_run(int prog, const void *pkt, unsigned int len,
				 unsigned int repeat)
{
	unsigned char out[2048];
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.test.prog_fd = prog;
	attr.test.data_in = (unsigned long)pkt;
	attr.test.data_size_in = len;
	attr.test.data_out = (unsigned long)out;
	attr.test.data_size_out = sizeof(out);
	attr.test.repeat = repeat;
	if (sys_bpf(BPF_PROG_TEST_RUN, &attr))
		return -errno;
	return attr.test.retval;
}

/* The value of fdinfo line @key of @fd, or "" when it has none. */
static inline const char *fdinfo_value(int fd, const char *key)
{
	static char val[256];
	char path[64], line[256];
	size_t n = strlen(key);
	FILE *f;

	val[0] = '\0';
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return val;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, key, n) && line[n] == ':') {
			const char *v = line + n + 1;

			snprintf(val, sizeof(val), "%s", v + strspn(v, "\t "));
			val[strcspn(val, "\n")] = '\0';
			break;
		}
	}
	fclose(f);
	return val;
}

/*
 * Load the entry @symbol of @o as a program of @type, with the @n maps
 * @fds; the program is named "rax_test". The fd, or -errno (-ENOENT for
 * no such entry).
 */
static inline int rax_load_entry(const struct rax_obj_file *o, const int *fds, unsigned int n,
				 const char *symbol, unsigned int type)
{
	struct rax_load_opts opts = {
		.prog_type = type, .fd_array = fds, .fd_array_cnt = n,
	};
	int entry = rax_entry_index(&o->img, symbol);

	if (entry < 0)
		return -ENOENT;
	opts.entry = entry;
	return rax_load_opts(o->img.data, o->img.size, o->sig.data, o->sig.size, &opts);
}

/* The number on fdinfo line @key of @fd, or -1 when it has none. */
static inline long long fdinfo_ll(int fd, const char *key)
{
	const char *v = fdinfo_value(fd, key);

	return *v ? atoll(v) : -1;
}

/* An eBPF instruction, as the kernel's filter.h builds them. */
#define INSN(c, d, s, o, i) ((struct bpf_insn){ .code = (c), .dst_reg = (d), \
						.src_reg = (s), .off = (o), .imm = (i) })

/*
 * Load @cnt eBPF instructions as a program of @type (attached as @attach
 * to BTF id @btf_id, or 0) named @name (or NULL), through the verifier
 * with its log in log_buf; returns the fd or -errno.
 */
static inline int ebpf_load_attach(unsigned int type, unsigned int attach, int btf_id,
				   const struct bpf_insn *insns, unsigned int cnt,
				   const char *name)
{
	union bpf_attr attr;
	int fd;

	memset(&attr, 0, sizeof(attr));
	memset(log_buf, 0, sizeof(log_buf));
	attr.prog_type = type;
	attr.expected_attach_type = attach;
	attr.attach_btf_id = btf_id;
	attr.insns = (unsigned long)insns;
	attr.insn_cnt = cnt;
	attr.license = (unsigned long)"GPL";
	attr.log_level = 1;
	attr.log_buf = (unsigned long)log_buf;
	attr.log_size = sizeof(log_buf);
	if (name)
		snprintf(attr.prog_name, sizeof(attr.prog_name), "%s", name);
	fd = sys_bpf(BPF_PROG_LOAD, &attr);
	return fd < 0 ? -errno : fd;
}

/* An XDP program of @cnt eBPF instructions, as ebpf_load_attach(). */
static inline int ebpf_load(const struct bpf_insn *insns, unsigned int cnt,
			    const char *name)
{
	return ebpf_load_attach(BPF_PROG_TYPE_XDP, 0, 0, insns, cnt, name);
}

static inline unsigned int count_progs(void)
{
	union bpf_attr attr;
	unsigned int n = 0;

	memset(&attr, 0, sizeof(attr));
	while (!sys_bpf(BPF_PROG_GET_NEXT_ID, &attr)) {
		attr.start_id = attr.next_id;
		n++;
	}
	return n;
}

static inline unsigned int count_maps(void)
{
	union bpf_attr attr;
	unsigned int n = 0;

	memset(&attr, 0, sizeof(attr));
	while (!sys_bpf(BPF_MAP_GET_NEXT_ID, &attr)) {
		attr.start_id = attr.next_id;
		n++;
	}
	return n;
}

/* kselftest_harness.h must come first. */
static inline void expect_log(struct __test_metadata *_metadata, const char *needle)
{
	EXPECT_NE(NULL, strstr(log_buf, needle))
		TH_LOG("no '%s' in log_buf: %s", needle, log_buf);
}

#endif /* __RAX_UTIL_H */
