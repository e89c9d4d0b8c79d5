/* compat/string.h - c/samples.c includes <string.h> for memset; the
 * kernel's own is <linux/string.h> (a module has no libc). Found first
 * through ccflags-y's -I, as compat/stdint.h. */
#ifndef PTEAR_KMOD_COMPAT_STRING_H
#define PTEAR_KMOD_COMPAT_STRING_H

#include <linux/string.h>

#endif
