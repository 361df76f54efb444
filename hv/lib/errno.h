/* SPDX-License-Identifier: MIT */
/*
 * Error codes. Functions that can fail return 0 or a positive value on
 * success and one of these, negated, on failure (-ENOMEM). The values follow
 * the familiar POSIX numbering so that logs read naturally.
 */
#ifndef LIB_ERRNO_H
#define LIB_ERRNO_H

#define EPERM 1
#define ENOENT 2
#define EIO 5
#define E2BIG 7
#define ENOMEM 12
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define ENODEV 19
#define EINVAL 22
#define ENOSPC 28
#define ERANGE 34
#define ENOSYS 38
#define EOVERFLOW 75
#define EBADMSG 74
#define ENOTSUP 95
#define ETIMEDOUT 110

/* Name of an error code ("ENOMEM") for logs; "E?" for unknown values. */
const char *err_name(int err);

#endif
