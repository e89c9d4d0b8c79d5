/* compat/stdint.h - the C port's headers (c/layout.h, c/pte.h, c/config.h,
 * c/generated.h, c/rng.h) include <stdint.h>; a kernel module is built with -nostdinc and
 * has no libc. This file, found first through ccflags-y's -I, maps the C99
 * fixed-width types onto the kernel's own (include/linux/types.h), so the
 * module compiles the C port's encoding and classifier unchanged. */
#ifndef PTEAR_KMOD_COMPAT_STDINT_H
#define PTEAR_KMOD_COMPAT_STDINT_H

#include <linux/types.h>
#include <linux/limits.h>

#ifndef UINT32_MAX
#define UINT32_MAX U32_MAX
#endif
#ifndef UINT64_MAX
#define UINT64_MAX U64_MAX
#endif

#endif
