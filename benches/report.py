#!/usr/bin/env python3
"""Writes benches/RESULTS.md and benches/results.svg from the medians
Criterion stored for the `compare` bench (target/criterion/<op>/<lib>/new).
Usage: python3 benches/report.py [COMMAND-THAT-RAN]"""
import json, os, sys, datetime, html

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CRIT = os.path.join(ROOT, "target", "criterion")
OPS = ["sm3", "sm3-x8", "sm4-block", "sm4-ctr", "sm4-gcm", "sm4-cbc-enc", "sm4-cbc-dec", "sm4-ecb", "sm4-xts",
       "sm2-sign", "sm2-verify", "sm2-keygen", "sm2-encrypt", "sm2-decrypt"]
LIBS = ["shangmi", "shangmi-one-by-one", "rustcrypto", "libsm", "openssl", "libgcrypt", "gmssl"]
COLORS = {"shangmi": "#c0392b", "shangmi-one-by-one": "#e6a19a", "rustcrypto": "#7f8c8d", "libsm": "#16a085", "openssl": "#2980b9",
          "libgcrypt": "#8e44ad", "gmssl": "#d35400"}

def load(op, lib):
    d = os.path.join(CRIT, op, lib, "new")
    try:
        est = json.load(open(os.path.join(d, "estimates.json")))
        bench = json.load(open(os.path.join(d, "benchmark.json")))
    except OSError:
        return None
    ns = est["median"]["point_estimate"]
    tp = bench.get("throughput") or {}
    if "Bytes" in tp:
        return ("MB/s", tp["Bytes"] / ns * 1e3, ns)
    return ("ops/s", 1e9 / ns, ns)

def cpu():
    try:
        lines = open("/proc/cpuinfo").read().splitlines()
    except OSError:
        return "unknown CPU"
    model = next((l.split(":", 1)[1].strip() for l in lines if l.startswith("model name")), "unknown CPU")
    flags = next((l.split(":", 1)[1].split() for l in lines if l.startswith("flags")), [])
    have = [f for f in ["aes", "pclmulqdq", "avx2", "bmi2", "adx", "vaes", "vpclmulqdq", "avx512f", "gfni", "sha_ni"] if f in flags]
    return f"{model}, {os.cpu_count()} cores, {' '.join(have)}"

def fmt(unit, v):
    return f"{v:,.0f} {unit}" if v >= 100 else f"{v:,.1f} {unit}"

def main():
    cmd = " ".join(sys.argv[1:]) or "benches/run.sh"
    rows = []
    for op in OPS:
        res = {lib: load(op, lib) for lib in LIBS}
        res = {k: v for k, v in res.items() if v}
        if "shangmi" in res:
            rows.append((op, res))
    if not rows:
        sys.exit("no Criterion results under target/criterion: run benches/run.sh")
    libs = [l for l in LIBS if any(l in r for _, r in rows)]
    out = ["# Results", "",
           f"Measured {datetime.date.today()} on {cpu()}; single thread; 8 KiB messages, SM2 on a 32-byte message with the default ID.",
           f"Command: `{cmd}`. Medians of Criterion runs, every library in the same run. "
           "Ratio = shangmi's speed divided by the peer's (above 1: shangmi is faster).", "",
           "| operation | " + " | ".join(libs) + " |", "|---|" + "---|" * len(libs)]
    for op, res in rows:
        s = res["shangmi"][1]
        cells = []
        for l in libs:
            if l not in res:
                cells.append("n/a")
            elif l == "shangmi":
                cells.append(f"**{fmt(res[l][0], res[l][1])}**")
            else:
                cells.append(f"{fmt(res[l][0], res[l][1])} ({s / res[l][1]:.2f}x)")
        out.append(f"| {op} | " + " | ".join(cells) + " |")
    out += ["", "![shangmi beside its peers](results.svg)", ""]
    open(os.path.join(ROOT, "benches", "RESULTS.md"), "w").write("\n".join(out))
    # The chart: one row per operation, bars as a fraction of the fastest.
    bar_h, gap, left, width = 11, 14, 120, 560
    h = sum(len(r) * bar_h + gap for _, r in rows) + 60
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 170}" height="{h}" font-family="sans-serif" font-size="10">',
           f'<text x="10" y="16" font-size="13" font-weight="bold">Speed relative to the fastest library, per operation ({html.escape(cpu().split(",")[0])})</text>']
    y = 36
    for op, res in rows:
        best = max(v[1] for v in res.values())
        svg.append(f'<text x="10" y="{y + 9}" font-weight="bold">{op}</text>')
        for lib in libs:
            if lib not in res:
                continue
            unit, v, _ = res[lib]
            w = max(1, int(width * v / best))
            svg.append(f'<rect x="{left}" y="{y}" width="{w}" height="{bar_h - 2}" fill="{COLORS[lib]}"/>')
            svg.append(f'<text x="{left + w + 4}" y="{y + 8}">{lib} {html.escape(fmt(unit, v))}</text>')
            y += bar_h
        y += gap
    svg.append("</svg>")
    open(os.path.join(ROOT, "benches", "results.svg"), "w").write("\n".join(svg))
    print("\n".join(out))

main()
