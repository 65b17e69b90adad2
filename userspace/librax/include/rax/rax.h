/* SPDX-License-Identifier: GPL-2.0 */
/*
 * librax's C API: build extension crates with the trusted toolchain, make
 * keys, sign and verify Rax objects as the kernel does, and describe them
 * in JSON. C99; every function returns 0 or a
 * negative errno and, on error, writes a NUL-terminated message of the
 * form "op: message" to @err (if not NULL; truncated to @err_size bytes).
 *
 * Errors: -EKEYREJECTED the signature does not match the object,
 * -ENOKEY no given certificate matches the signer, -EBADMSG a malformed
 * signature or object, -EINVAL an object the format refuses or a bad
 * argument, -E2BIG over the kernel's size limits, -ENOENT/-EACCES/-EIO
 * for files, -ENOMEM.
 *
 * Link with `pkg-config --cflags --libs librax`. The shared library
 * exports these functions and nothing else (librax.map); options that may
 * grow come in a struct whose first field, sz, is its size, as libbpf's
 * *_opts: declare it with its RAX_*_OPTS() macro.
 */
#ifndef RAX_RAX_H
#define RAX_RAX_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define RAX_API __attribute__((visibility("default")))
#else
#define RAX_API
#endif

/* A size for @err buffers that holds any message librax writes, short of
 * very long paths. */
#define RAX_ERR_SIZE 512

/* "0.1.0": the version of librax. */
RAX_API const char *rax_version(void);

/*
 * An RSA key of @rsa_bits (0: 4096) and a self-signed certificate with
 * common name @common_name (NULL: "Rax development key"), with the
 * extensions of kernel/rax/x509.genkey, written as PEM to @cert_path and
 * @key_path (mode 0600; may be the same file).
 */
RAX_API int rax_keygen(const char *cert_path, const char *key_path, const char *common_name,
	       int rsa_bits, char *err, size_t err_size);

/*
 * Sign the file @obj_path with a detached PKCS#7 signature (SHA-256, no
 * signed attributes, no certificates, DER) over RAX_SIGNED_PREFIX and the
 * file (Documentation/rax/format.rst) and write it to @sig_path
 * (NULL: @obj_path ".sig"). @cert_path may be NULL when @key_path holds
 * the certificate too.
 */
RAX_API int rax_sign_file(const char *obj_path, const char *key_path, const char *cert_path,
		  const char *sig_path, char *err, size_t err_size);

/*
 * The kernel's checks of a Rax load, in its order: sizes, the signature
 * @sig_path (NULL: @obj_path ".sig") against the @n_certs certificate
 * files @cert_paths, then the strict parse of the object.
 */
RAX_API int rax_verify_file(const char *obj_path, const char *sig_path, const char *const *cert_paths,
		    size_t n_certs, char *err, size_t err_size);

/*
 * Parse @obj_path and describe it in JSON (as `rax inspect -j`): entries,
 * maps, helpers, provenance and, if @sig_path is not NULL, the unverified
 * signer of that signature. *@json is set to a NUL-terminated string the
 * caller frees with rax_free().
 */
RAX_API int rax_inspect_json(const char *obj_path, const char *sig_path, int pretty, char **json,
		     char *err, size_t err_size);

/* The options of rax_build(); a NULL or 0 field takes its default. */
struct rax_build_opts {
	size_t sz;			/* sizeof(struct rax_build_opts) */
	const char *output;		/* the object (NULL: target/NAME.rax.o) */
	unsigned long stack_limit;	/* bytes per entry (0: 32768) */
	const char *cache_dir;		/* the sysroot's (NULL: ~/.cache/rax) */
	const char *key_path;		/* sign with it (NULL: do not sign) */
	const char *cert_path;		/* its certificate (NULL: in the key file) */
};

/* struct rax_build_opts NAME, its size set and the fields given, e.g.
 * RAX_BUILD_OPTS(o, .key_path = "k.pem"); */
#define RAX_BUILD_OPTS(NAME, ...) \
	struct rax_build_opts NAME = { .sz = sizeof(struct rax_build_opts), __VA_ARGS__ }

/*
 * Build the extension crate in @crate_dir (Rax.toml and src/lib.rs) with
 * the pinned toolchain, as `rax build` does: refuse every escape hatch,
 * check the machine code, bound each entry's stack by opts->stack_limit
 * bytes, and write the Rax object to opts->output. With opts->key_path
 * (and opts->cert_path, or NULL when the key file holds the certificate
 * too) the object is signed into OUTPUT ".sig". @opts may be NULL (all
 * defaults); an opts->sz smaller than a size_t, or larger than this
 * librax's struct with a field it does not know set, gives -EINVAL.
 * *@out_path, if @out_path is not NULL, is set to the object's path, freed
 * with rax_free(). A refused crate gives -EPERM (escape hatch), -ELOOP
 * (recursion), -E2BIG (stack) or -EINVAL, the construct and its line in
 * @err. The sysroot is cached in opts->cache_dir.
 */
RAX_API int rax_build(const char *crate_dir, const struct rax_build_opts *opts, char **out_path,
		      char *err, size_t err_size);

/* rax_build() with the options as arguments. */
RAX_API int rax_build_crate(const char *crate_dir, const char *output, unsigned long stack_limit,
		    const char *cache_dir, const char *key_path, const char *cert_path,
		    char **out_path, char *err, size_t err_size);

/* Free memory librax returned. */
RAX_API void rax_free(void *p);

#ifdef __cplusplus
}
#endif

#endif /* RAX_RAX_H */
