/* powerfs: a file system that can lose power. FOR TESTS ONLY.
 *
 *   powerfs mount ROOT MOUNTPOINT JOURNAL   serve ROOT at MOUNTPOINT (FUSE,
 *                                           foreground, until unmounted)
 *   powerfs cut JOURNAL ROOT [SEED]         after the unmount: take back
 *                                           what was never made durable
 *
 * While mounted, every file operation goes straight to ROOT, so the
 * programs above see an ordinary file system. Before each change to a
 * file's bytes or size (write, truncate, fallocate) the old bytes and the
 * old size are appended to JOURNAL (outside the mount); an fsync or
 * fdatasync of a file appends a mark that makes all its earlier changes
 * durable. Renames and unlinks are journalled so that `cut` can follow a
 * file under its later names.
 *
 * `cut` models the machine losing power once everything above the mount
 * has been killed and the mount is gone: every change not followed by an
 * fsync of its file is undone, newest first. With SEED, a random prefix of
 * those changes (in the order they were made) survives instead, and the
 * first lost write may be torn at a 512-byte sector: the disk wrote some
 * sectors of it and not the rest. It prints one line: how many changes
 * were lost and how many survived.
 *
 * The model, stated so that a reader knows what a pass proves: data is
 * durable only once its file was synced (as on any POSIX file system
 * without a battery-backed cache); metadata (create, rename, unlink,
 * mkdir) is durable at once, which is kinder than ext4 and means a missing
 * directory fsync goes unnoticed; writes reach the disk in the order they
 * were made (a prefix), never reordered. The kernel sends every write to
 * this process as it happens (no writeback cache), so the journal sees
 * them all, including pages of shared memory maps when they are flushed.
 */
#define FUSE_USE_VERSION 31
#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>
#include <unistd.h>

/* Journal records: a fixed header, then the path (path_len bytes), then
 * for REC_CHANGE the old bytes (old_len), for REC_RENAME the new path
 * (aux_len bytes). */
enum rec_kind { REC_CHANGE = 1, REC_SYNC = 2, REC_RENAME = 3, REC_UNLINK = 4 };

struct rec_head {
	uint32_t kind;
	uint32_t path_len;
	uint64_t offset;   /* REC_CHANGE: where the change starts */
	uint64_t old_size; /* REC_CHANGE: the file's size before it */
	uint64_t old_len;  /* REC_CHANGE: old bytes saved from offset */
	uint64_t aux_len;  /* REC_RENAME: length of the new path */
	uint32_t is_write; /* REC_CHANGE: a write (may be torn), not a resize */
	uint32_t pad;
};

static int root_fd = -1;
static int journal_fd = -1;

/* ---- journal (mount side) ---- */

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Appends one record; -EIO when the journal cannot be written (the change
 * is then refused, so nothing escapes the journal). */
static int journal_put(struct rec_head *h, const char *path, const void *data, size_t data_len)
{
	h->path_len = (uint32_t)strlen(path);
	if (write_all(journal_fd, h, sizeof *h) || write_all(journal_fd, path, h->path_len) ||
	    (data_len && write_all(journal_fd, data, data_len)))
		return -EIO;
	return 0;
}

/* Saves the bytes [offset, offset+len) that exist in fd, and its size. */
static int journal_change(int fd, const char *path, off_t offset, size_t len, int is_write)
{
	struct stat st;
	if (!path) /* an unlinked file still open: gone after any cut anyway */
		return 0;
	if (fstat(fd, &st))
		return -errno;
	struct rec_head h = {.kind = REC_CHANGE,
	                     .offset = (uint64_t)offset,
	                     .old_size = (uint64_t)st.st_size,
	                     .is_write = (uint32_t)is_write};
	size_t have = 0;
	if (offset < st.st_size)
		have = (size_t)(st.st_size - offset) < len ? (size_t)(st.st_size - offset) : len;
	char *old = NULL;
	int rc = 0;
	if (have) {
		old = malloc(have);
		if (!old)
			return -ENOMEM;
		ssize_t n = pread(fd, old, have, offset);
		if (n < 0) {
			rc = -errno;
			goto out;
		}
		have = (size_t)n;
	}
	h.old_len = have;
	rc = journal_put(&h, path, old, have);
out:
	free(old);
	return rc;
}

/* ---- file operations: ROOT-relative passthrough ---- */

/* FUSE paths start with '/'; openat wants them relative to ROOT. */
static const char *rel(const char *path)
{
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

/* New files and folders belong to the caller, not to this (root) process. */
static void give_to_caller(const char *path)
{
	struct fuse_context *c = fuse_get_context();
	if (fchownat(root_fd, rel(path), c->uid, c->gid, AT_SYMLINK_NOFOLLOW)) {
		/* ownership is best effort: the file exists either way */
	}
}

static int pf_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	int r = fi ? fstat((int)fi->fh, st) : fstatat(root_fd, rel(path), st, AT_SYMLINK_NOFOLLOW);
	return r ? -errno : 0;
}

static int pf_access(const char *path, int mask)
{
	return faccessat(root_fd, rel(path), mask, AT_EACCESS) ? -errno : 0;
}

static int pf_readlink(const char *path, char *buf, size_t size)
{
	ssize_t n = readlinkat(root_fd, rel(path), buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

static int pf_opendir(const char *path, struct fuse_file_info *fi)
{
	int fd = openat(root_fd, rel(path), O_RDONLY | O_DIRECTORY);
	if (fd < 0)
		return -errno;
	DIR *d = fdopendir(fd);
	if (!d) {
		int e = errno;
		close(fd);
		return -e;
	}
	fi->fh = (uint64_t)(uintptr_t)d;
	return 0;
}

static int pf_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
                      struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	(void)path, (void)off, (void)flags;
	DIR *d = (DIR *)(uintptr_t)fi->fh;
	rewinddir(d);
	struct dirent *e;
	while ((e = readdir(d))) {
		struct stat st = {.st_ino = e->d_ino, .st_mode = (mode_t)DTTOIF(e->d_type)};
		if (fill(buf, e->d_name, &st, 0, 0))
			break;
	}
	return 0;
}

static int pf_releasedir(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	closedir((DIR *)(uintptr_t)fi->fh);
	return 0;
}

static int pf_mkdir(const char *path, mode_t mode)
{
	if (mkdirat(root_fd, rel(path), mode))
		return -errno;
	give_to_caller(path);
	return 0;
}

/* Sockets and fifos (a server's Unix socket may live on the mount). */
static int pf_mknod(const char *path, mode_t mode, dev_t rdev)
{
	if (!S_ISSOCK(mode) && !S_ISFIFO(mode))
		return -EPERM;
	if (mknodat(root_fd, rel(path), mode, rdev))
		return -errno;
	give_to_caller(path);
	return 0;
}

static int pf_unlink(const char *path)
{
	struct rec_head h = {.kind = REC_UNLINK};
	int rc = journal_put(&h, path, NULL, 0);
	if (rc)
		return rc;
	return unlinkat(root_fd, rel(path), 0) ? -errno : 0;
}

static int pf_rmdir(const char *path)
{
	return unlinkat(root_fd, rel(path), AT_REMOVEDIR) ? -errno : 0;
}

static int pf_symlink(const char *target, const char *path)
{
	if (symlinkat(target, root_fd, rel(path)))
		return -errno;
	give_to_caller(path);
	return 0;
}

static int pf_rename(const char *from, const char *to, unsigned int flags)
{
	if (flags)
		return -EINVAL;
	struct rec_head h = {.kind = REC_RENAME, .aux_len = strlen(to)};
	int rc = journal_put(&h, from, to, h.aux_len);
	if (rc)
		return rc;
	return renameat(root_fd, rel(from), root_fd, rel(to)) ? -errno : 0;
}

static int pf_link(const char *from, const char *to)
{
	/* A second name would let one file's changes hide under another. */
	(void)from, (void)to;
	return -EPERM;
}

static int pf_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	int r = fi ? fchmod((int)fi->fh, mode) : fchmodat(root_fd, rel(path), mode, 0);
	return r ? -errno : 0;
}

static int pf_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	int r = fi ? fchown((int)fi->fh, uid, gid)
	           : fchownat(root_fd, rel(path), uid, gid, AT_SYMLINK_NOFOLLOW);
	return r ? -errno : 0;
}

static int resize(int fd, const char *path, off_t size)
{
	struct stat st;
	if (fstat(fd, &st))
		return -errno;
	if (size < st.st_size) {
		int rc = journal_change(fd, path, size, (size_t)(st.st_size - size), 0);
		if (rc)
			return rc;
	} else if (size > st.st_size) {
		int rc = journal_change(fd, path, st.st_size, 0, 0);
		if (rc)
			return rc;
	}
	return ftruncate(fd, size) ? -errno : 0;
}

static int pf_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	if (fi)
		return resize((int)fi->fh, path, size);
	int fd = openat(root_fd, rel(path), O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = resize(fd, path, size);
	close(fd);
	return rc;
}

static int pf_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	int r = fi ? futimens((int)fi->fh, tv)
	           : utimensat(root_fd, rel(path), tv, AT_SYMLINK_NOFOLLOW);
	return r ? -errno : 0;
}

/* O_TRUNC goes through resize so that the lost bytes are journalled; a
 * file opened to write is opened to read too, to save its old bytes. */
static int open_file(const char *path, struct fuse_file_info *fi, int flags, mode_t mode)
{
	if ((flags & O_ACCMODE) == O_WRONLY)
		flags = (flags & ~O_ACCMODE) | O_RDWR;
	int fd = openat(root_fd, rel(path), (flags & ~O_TRUNC) | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (flags & O_TRUNC) {
		int rc = resize(fd, path, 0);
		if (rc) {
			close(fd);
			return rc;
		}
	}
	fi->fh = (uint64_t)fd;
	return 0;
}

static int pf_open(const char *path, struct fuse_file_info *fi)
{
	return open_file(path, fi, fi->flags, 0);
}

static int pf_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	int rc = open_file(path, fi, fi->flags | O_CREAT, mode);
	if (!rc)
		give_to_caller(path);
	return rc;
}

static int pf_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)path;
	ssize_t n = pread((int)fi->fh, buf, size, off);
	return n < 0 ? -errno : (int)n;
}

static int pf_write(const char *path, const char *buf, size_t size, off_t off,
                    struct fuse_file_info *fi)
{
	int fd = (int)fi->fh;
	if (fi->flags & O_APPEND) {
		struct stat st;
		if (fstat(fd, &st))
			return -errno;
		off = st.st_size;
	}
	int rc = journal_change(fd, path, off, size, 1);
	if (rc)
		return rc;
	ssize_t n = pwrite(fd, buf, size, off);
	return n < 0 ? -errno : (int)n;
}

static int pf_statfs(const char *path, struct statvfs *st)
{
	(void)path;
	return fstatvfs(root_fd, st) ? -errno : 0;
}

static int pf_release(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	close((int)fi->fh);
	return 0;
}

/* The whole point: a sync makes the file's earlier changes durable. */
static int pf_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)datasync, (void)fi;
	if (!path)
		return 0;
	struct rec_head h = {.kind = REC_SYNC};
	return journal_put(&h, path, NULL, 0);
}

static int pf_fallocate(const char *path, int mode, off_t off, off_t len, struct fuse_file_info *fi)
{
	if (mode)
		return -EOPNOTSUPP;
	int fd = (int)fi->fh;
	struct stat st;
	if (fstat(fd, &st))
		return -errno;
	if (off + len > st.st_size) {
		int rc = journal_change(fd, path, st.st_size, 0, 0);
		if (rc)
			return rc;
	}
	return -posix_fallocate(fd, off, len);
}

static void *pf_init(struct fuse_conn_info *conn, struct fuse_config *cfg)
{
	(void)conn;
	cfg->entry_timeout = 0;
	cfg->attr_timeout = 0;
	cfg->negative_timeout = 0;
	cfg->hard_remove = 1; /* an unlinked open file needs no hidden name */
	return NULL;
}

static const struct fuse_operations ops = {
        .init = pf_init,
        .getattr = pf_getattr,
        .access = pf_access,
        .readlink = pf_readlink,
        .opendir = pf_opendir,
        .readdir = pf_readdir,
        .releasedir = pf_releasedir,
        .mknod = pf_mknod,
        .mkdir = pf_mkdir,
        .unlink = pf_unlink,
        .rmdir = pf_rmdir,
        .symlink = pf_symlink,
        .rename = pf_rename,
        .link = pf_link,
        .chmod = pf_chmod,
        .chown = pf_chown,
        .truncate = pf_truncate,
        .utimens = pf_utimens,
        .open = pf_open,
        .create = pf_create,
        .read = pf_read,
        .write = pf_write,
        .statfs = pf_statfs,
        .release = pf_release,
        .fsync = pf_fsync,
        .fallocate = pf_fallocate,
};

static int cmd_mount(const char *root, const char *mnt, const char *journal)
{
	root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0) {
		perror(root);
		return 1;
	}
	journal_fd = open(journal, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
	if (journal_fd < 0) {
		perror(journal);
		return 1;
	}
	umask(0);
	char *args[] = {"powerfs", (char *)mnt,
	                "-f",      "-s",
	                "-o",      "allow_other,default_permissions,fsname=powerfs,subtype=powerfs",
	                NULL};
	return fuse_main(6, args, &ops, NULL);
}

/* ---- cut (after the unmount) ---- */

/* One file as the journal follows it through renames. */
struct file {
	char *name;
	int gone;      /* unlinked, or replaced by a rename */
	size_t synced; /* changes journalled when it was last synced: those
	                  of this file among them are durable */
};

struct change {
	struct file *file;
	uint64_t offset, old_size, old_len;
	long data_at; /* where the old bytes are in the journal */
	int is_write;
};

struct journal {
	struct file **files;
	size_t nfiles;
	struct change *changes;
	size_t nchanges;
};

static void *grow(void *p, size_t n, size_t size)
{
	void *q = realloc(p, n * size);
	if (!q) {
		fputs("powerfs: out of memory\n", stderr);
		exit(2);
	}
	return q;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d) {
		fputs("powerfs: out of memory\n", stderr);
		exit(2);
	}
	return d;
}

/* A folder renamed: the files under it follow. */
static void rename_under(struct journal *j, const char *from, const char *to)
{
	size_t n = strlen(from);
	for (size_t i = 0; i < j->nfiles; i++) {
		struct file *f = j->files[i];
		if (f->gone || strncmp(f->name, from, n) || f->name[n] != '/')
			continue;
		size_t len = strlen(to) + strlen(f->name + n) + 1;
		char *name = grow(NULL, len, 1);
		snprintf(name, len, "%s%s", to, f->name + n);
		free(f->name);
		f->name = name;
	}
}

/* The live file of that name, or a new one. */
static struct file *file_named(struct journal *j, const char *name)
{
	for (size_t i = j->nfiles; i-- > 0;)
		if (!j->files[i]->gone && !strcmp(j->files[i]->name, name))
			return j->files[i];
	struct file *f = grow(NULL, 1, sizeof *f);
	*f = (struct file){.name = xstrdup(name)};
	j->files = grow(j->files, j->nfiles + 1, sizeof *j->files);
	j->files[j->nfiles++] = f;
	return f;
}

static char *read_string(FILE *in, size_t len)
{
	char *s = malloc(len + 1);
	if (!s || fread(s, 1, len, in) != len) {
		free(s);
		return NULL;
	}
	s[len] = '\0';
	return s;
}

static void apply_record(struct journal *j, const struct rec_head *h, const char *path,
                         const char *aux, long data_at)
{
	struct file *f = file_named(j, path);
	switch (h->kind) {
	case REC_CHANGE:
		j->changes = grow(j->changes, j->nchanges + 1, sizeof *j->changes);
		j->changes[j->nchanges++] = (struct change){
		        f, h->offset, h->old_size, h->old_len, data_at, (int)h->is_write};
		break;
	case REC_SYNC:
		f->synced = j->nchanges;
		break;
	case REC_UNLINK:
		f->gone = 1;
		break;
	case REC_RENAME: {
		struct file *target = file_named(j, aux);
		if (target != f)
			target->gone = 1;
		rename_under(j, path, aux);
		free(f->name);
		f->name = xstrdup(aux);
		break;
	}
	}
}

/* Reads the whole journal; 0, or -1 with a message. A record cut short at
 * the end (the mount killed mid-append) is ignored: its change never ran. */
static int read_journal(FILE *in, struct journal *j)
{
	struct rec_head h;
	while (fread(&h, sizeof h, 1, in) == 1) {
		if (h.kind < REC_CHANGE || h.kind > REC_UNLINK || h.path_len > PATH_MAX ||
		    h.aux_len > PATH_MAX) {
			fputs("powerfs: the journal is damaged\n", stderr);
			return -1;
		}
		char *path = read_string(in, h.path_len);
		char *aux = h.kind == REC_RENAME ? read_string(in, h.aux_len) : NULL;
		long data_at = ftell(in);
		int whole = path && (h.kind != REC_RENAME || aux) &&
		            (h.kind != REC_CHANGE || !fseek(in, (long)h.old_len, SEEK_CUR));
		if (whole && h.kind == REC_CHANGE) {
			/* fseek past the end succeeds: check the bytes are there */
			struct stat st;
			whole = !fstat(fileno(in), &st) && ftell(in) <= st.st_size;
		}
		if (whole)
			apply_record(j, &h, path, aux, data_at);
		free(path);
		free(aux);
		if (!whole)
			break;
	}
	return 0;
}

/* Undoes one change, keeping its first `keep` bytes (a torn write). */
static int undo(FILE *in, int root, const struct change *c, uint64_t keep)
{
	int fd = openat(root, rel(c->file->name), O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = -1;
	char *old = NULL;
	if (c->old_len > keep) {
		old = malloc(c->old_len);
		if (!old || fseek(in, c->data_at, SEEK_SET) ||
		    fread(old, 1, c->old_len, in) != c->old_len)
			goto out;
		if (pwrite(fd, old + keep, c->old_len - keep, (off_t)(c->offset + keep)) !=
		    (ssize_t)(c->old_len - keep))
			goto out;
	}
	struct stat st;
	if (fstat(fd, &st))
		goto out;
	uint64_t size = c->old_size;
	if (keep && c->offset + keep > size)
		size = c->offset + keep < (uint64_t)st.st_size ? c->offset + keep
		                                               : (uint64_t)st.st_size;
	rc = ftruncate(fd, (off_t)size);
out:
	free(old);
	close(fd);
	return rc;
}

static int cmd_cut(const char *journal, const char *root, const char *seed)
{
	FILE *in = fopen(journal, "rb");
	if (!in) {
		perror(journal);
		return 1;
	}
	int root_dir = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root_dir < 0) {
		perror(root);
		fclose(in);
		return 1;
	}
	struct journal j = {0};
	if (read_journal(in, &j)) {
		fclose(in);
		return 1;
	}
	/* The changes at risk: not durable, their file still there. */
	size_t *risk = grow(NULL, j.nchanges + 1, sizeof *risk), nrisk = 0;
	for (size_t i = 0; i < j.nchanges; i++)
		if (i >= j.changes[i].file->synced && !j.changes[i].file->gone)
			risk[nrisk++] = i;
	size_t survive = 0;
	uint64_t torn = 0;
	if (seed && nrisk) {
		srandom((unsigned)strtoul(seed, NULL, 10));
		survive = (size_t)random() % (nrisk + 1);
		const struct change *first = survive < nrisk ? &j.changes[risk[survive]] : NULL;
		uint64_t sectors = first && first->is_write ? first->old_len / 512 : 0;
		if (sectors > 1)
			torn = 512 * (uint64_t)(random() % (long)sectors);
	}
	int status = 0;
	for (size_t k = nrisk; k-- > survive;) {
		const struct change *c = &j.changes[risk[k]];
		if (undo(in, root_dir, c, k == survive ? torn : 0)) {
			fprintf(stderr, "powerfs: cannot undo a change of %s: %s\n", c->file->name,
			        strerror(errno));
			status = 1;
		}
	}
	printf("powerfs cut: %zu changes lost, %zu survived unsynced, %zu durable%s\n",
	       nrisk - survive, survive, j.nchanges - nrisk, torn ? ", first lost write torn" : "");
	free(risk);
	fclose(in);
	close(root_dir);
	return status;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "mount"))
		return cmd_mount(argv[2], argv[3], argv[4]);
	if ((argc == 4 || argc == 5) && !strcmp(argv[1], "cut"))
		return cmd_cut(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
	fputs("usage: powerfs mount ROOT MOUNTPOINT JOURNAL | powerfs cut JOURNAL ROOT [SEED]\n",
	      stderr);
	return 2;
}
