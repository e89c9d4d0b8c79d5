// no_treg_combine.cc - a GCC plugin that switches off the SuperH-only RTL
// pass sh_treg_combine (gcc/config/sh/sh_treg_combine.cc) in the sh4 cross
// compiler, which c/build.sh loads with -fplugin= for the sh4 build.
//
// Why: Debian bookworm's sh4-linux-gnu-gcc 12.2.0-13 miscompiles every test
// of a value loaded from memory against zero at -O1 and above. The pass
// takes the load `(set (reg) (mem ...))` for an inverted T-bit store and
// deletes both the load and the `tst` before the branch, so
//     int f(int *p) { if (!*p) return g(); return 0; }
// becomes a `bt` on whatever T held before. (Visible with
// -fdump-rtl-sh_treg_combine2: "inverted condition store ... deleting insn".)
// The pass is a peephole-style optimisation; turning it off only costs a
// few redundant T-bit moves. Its gate is `optimize > 0` and target passes
// cannot be named in -fdisable-rtl-..., hence the plugin.
#include "gcc-plugin.h"
#include "plugin-version.h"
#include "tree-pass.h"

#include <cstring>

int plugin_is_GPL_compatible;

static void no_treg_combine_gate(void *gcc_data, void *)
{
    bool *gate = static_cast<bool *>(gcc_data);
    if (current_pass && current_pass->name && !std::strncmp(current_pass->name, "sh_treg_combine", 15))
        *gate = false;
}

int plugin_init(struct plugin_name_args *info, struct plugin_gcc_version *version)
{
    if (!plugin_default_version_check(version, &gcc_version))
        return 1;
    register_callback(info->base_name, PLUGIN_OVERRIDE_GATE, no_treg_combine_gate, NULL);
    return 0;
}
