// SPDX-License-Identifier: MIT
/*
 * Names of the error codes in lib/errno.h, for log messages.
 */
#include "lib/errno.h"
#include "lib/compiler.h"

/* One case per code: the name is the macro's own spelling. */
#define ERR_CASE(e)                                                                                \
	case e:                                                                                    \
		return #e

const char *err_name(int err)
{
	/* Callers pass either the code or its negation (a return value). */
	unsigned int code = err < 0 ? 0u - (unsigned int)err : (unsigned int)err;

	switch (code) {
		ERR_CASE(EPERM);
		ERR_CASE(ENOENT);
		ERR_CASE(EIO);
		ERR_CASE(E2BIG);
		ERR_CASE(ENOMEM);
		ERR_CASE(EFAULT);
		ERR_CASE(EBUSY);
		ERR_CASE(EEXIST);
		ERR_CASE(ENODEV);
		ERR_CASE(EINVAL);
		ERR_CASE(ENOSPC);
		ERR_CASE(ERANGE);
		ERR_CASE(ENOSYS);
		ERR_CASE(EBADMSG);
		ERR_CASE(EOVERFLOW);
		ERR_CASE(ENOTSUP);
		ERR_CASE(ETIMEDOUT);
	default:
		return "E?";
	}
}
