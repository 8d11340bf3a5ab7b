/* ct-trace: a QEMU TCG plugin (qemu-aarch64, user mode) for ct-check's
 * trace comparison on AArch64.
 *
 *   qemu-aarch64 -cpu max -plugin file=ct-trace.so,out=FILE ./ct-check trace-child CASE
 *
 * Between a start marker (`hint #0x7e`, emitted by ct-check's
 * trace_begin()) and a stop marker (`hint #0x7f`, trace_end()) it records
 * every executed instruction's address and every memory access's virtual
 * address, as little-endian u64 words after a 16-byte header: the magic
 * "CTTRACE1" and the run-time start of the guest executable's code (for
 * symbolizing). Words: an instruction address (bit 63 clear); bit 63 set
 * and the address in the low 62 bits, a memory access of the last
 * instruction; all ones, a region opens. The markers are unallocated hint
 * encodings, NOPs on every CPU, which no compiler emits; the plugin finds
 * them by their bytes when QEMU translates the code.
 *
 * Build: gcc -O2 -shared -fPIC -o ct-trace.so ct-trace.c */
#include "qemu-plugin-api.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_VERSION;

#define HINT_START 0xd5032fdfu /* hint #0x7e */
#define HINT_STOP 0xd5032fffu  /* hint #0x7f */
#define MEM (1ull << 63)
#define ADDR_MASK ((1ull << 62) - 1)
#define REGION (~0ull)
#define BUF_WORDS (1u << 16)

static FILE *out;

/* Messages go to stderr: qemu_plugin_outs writes to QEMU's log, which
 * shows only with -d plugin. */
static void say(const char *msg)
{
    fputs(msg, stderr);
}
static int recording;
static int header_written;
static uint64_t buf[BUF_WORDS];
static size_t nbuf;

static void flush(void)
{
    if (nbuf && fwrite(buf, 8, nbuf, out) != nbuf) {
        say("ct-trace: write failed\n");
        exit(2);
    }
    nbuf = 0;
}

static inline void put(uint64_t w)
{
    buf[nbuf++] = w;
    if (nbuf == BUF_WORDS) {
        flush();
    }
}

static void on_start(unsigned int vcpu, void *ud)
{
    (void)vcpu;
    (void)ud;
    if (!header_written) {
        uint64_t start = qemu_plugin_start_code();
        if (fwrite("CTTRACE1", 1, 8, out) != 8 || fwrite(&start, 8, 1, out) != 1) {
            say("ct-trace: write failed\n");
            exit(2);
        }
        header_written = 1;
    }
    recording = 1;
    put(REGION);
}

static void on_stop(unsigned int vcpu, void *ud)
{
    (void)vcpu;
    (void)ud;
    recording = 0;
}

static void on_insn(unsigned int vcpu, void *ud)
{
    (void)vcpu;
    if (recording) {
        put((uint64_t)(uintptr_t)ud);
    }
}

static void on_mem(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *ud)
{
    (void)vcpu;
    (void)info;
    (void)ud;
    if (recording) {
        put(MEM | (vaddr & ADDR_MASK));
    }
}

static void on_tb(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    (void)id;
    size_t n = qemu_plugin_tb_n_insns(tb);
    for (size_t i = 0; i < n; i++) {
        struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
        uint64_t pc = qemu_plugin_insn_vaddr(insn);
        uint32_t word = 0;
        if (qemu_plugin_insn_size(insn) == 4) {
            memcpy(&word, qemu_plugin_insn_data(insn), 4);
        }
        /* Callbacks of one instruction run in the order registered: the
         * start marker is recorded as the region's first instruction, the
         * stop marker not at all. */
        if (word == HINT_START) {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_start, QEMU_PLUGIN_CB_NO_REGS, NULL);
        } else if (word == HINT_STOP) {
            qemu_plugin_register_vcpu_insn_exec_cb(insn, on_stop, QEMU_PLUGIN_CB_NO_REGS, NULL);
        }
        qemu_plugin_register_vcpu_insn_exec_cb(insn, on_insn, QEMU_PLUGIN_CB_NO_REGS,
                                               (void *)(uintptr_t)pc);
        qemu_plugin_register_vcpu_mem_cb(insn, on_mem, QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW,
                                         NULL);
    }
}

static void on_atexit(qemu_plugin_id_t id, void *ud)
{
    (void)id;
    (void)ud;
    flush();
    if (fclose(out) != 0) {
        say("ct-trace: close failed\n");
    }
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc,
                                           char **argv)
{
    /* The declarations in qemu-plugin-api.h are API version 1's: refuse
     * any QEMU whose current API is another (see there). */
    if (info->version.cur != QEMU_PLUGIN_VERSION || info->version.min > QEMU_PLUGIN_VERSION) {
        char msg[256];
        snprintf(msg, sizeof msg,
                 "ct-trace: built for the QEMU plugin API version %d (QEMU 6.0 to 8.2, checked "
                 "with 7.2), but this QEMU's is version %d (oldest supported %d): refusing to "
                 "load; the API changed (qemu_plugin_insn_data in version 3, QEMU 9)\n",
                 QEMU_PLUGIN_VERSION, info->version.cur, info->version.min);
        say(msg);
        return 1;
    }
    if (info->system_emulation || !info->target_name || strcmp(info->target_name, "aarch64") != 0) {
        say("ct-trace: for qemu-aarch64 (user mode) only\n");
        return 1;
    }
    const char *path = NULL;
    for (int i = 0; i < argc; i++) {
        if (strncmp(argv[i], "out=", 4) == 0) {
            path = argv[i] + 4;
        }
    }
    if (!path) {
        say("ct-trace: usage: -plugin file=ct-trace.so,out=FILE\n");
        return 1;
    }
    out = fopen(path, "wb");
    if (!out) {
        say("ct-trace: cannot open the output file\n");
        return 1;
    }
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb);
    qemu_plugin_register_atexit_cb(id, on_atexit, NULL);
    return 0;
}
