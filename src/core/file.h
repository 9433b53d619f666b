/* file: reading a whole file into a buffer, bounded by the buffer's
 * maximum (buf_init(&b, max)). Used for every file Kafaat loads at start-up
 * (config, catalogues, templates, static files, data). */
#ifndef KAFAAT_CORE_FILE_H
#define KAFAAT_CORE_FILE_H

#include <stddef.h>

#include "core/buf.h"

/* Appends the content of path to out. Returns 0, or -1 with "PATH: reason"
 * in err (cannot open: the system's reason; larger than the buffer's
 * maximum; a read error); out may then hold a prefix. */
int file_read(const char *path, struct buf *out, char *err, size_t errlen);

/* Creates dir and its missing parents (mode 0700). 0, or -1 with errno. */
int file_mkdirs(const char *dir);
/* Writes all n bytes to fd, retrying after EINTR. 0, or -1 with errno. */
int file_write_all(int fd, const char *p, size_t n);

#endif
