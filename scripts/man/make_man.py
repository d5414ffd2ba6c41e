#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Writes xdpguard's man pages at build time, each from the one source it must match.

xdpguard.8 comes from the binary's own help text (`xdpguard --help`, the same text that
`-h` prints), so the page cannot describe verbs or options the binary does not have.
xdpguard.json.5 comes from docs/config.md: its tables become tagged paragraphs, and its
prose and code become roff.

usage: make_man.py --binary PATH --config-md PATH --version V --date YYYY-MM-DD --out DIR
"""
import argparse
import os
import re
import subprocess


def esc(text):
    """Plain text as roff: backslashes, and a leading dot or quote that roff would parse."""
    text = text.replace("\\", "\\e")
    return re.sub(r"^([.'])", r"\\&\1", text)


def inline(md):
    """Markdown inline markup as roff: links lose their target, code is bold."""
    md = re.sub(r"\[([^\]]+)\]\([^)]+\)", r"\1", md)
    parts = re.split(r"(`[^`]*`)", md)
    out = []
    for p in parts:
        if p.startswith("`") and p.endswith("`") and len(p) >= 2:
            out.append("\\fB" + esc(p[1:-1]).replace("-", "\\-") + "\\fR")
        else:
            p = re.sub(r"\*\*([^*]+)\*\*", r"\\fB\1\\fR", esc(p))
            out.append(p)
    return "".join(out)


def header(name, section, version, date, title):
    return [f'.TH {name.upper()} {section} "{date}" "xdpguard {version}" "{title}"']


def page8(binary, version, date):
    help_text = subprocess.run([binary, "--help"], check=True, capture_output=True, text=True).stdout
    usage, _, rest = help_text.partition("\n")
    lines = header("xdpguard", 8, version, date, "System Administration")
    lines += [".SH NAME", "xdpguard \\- XDP packet filter: blocklists, feeds, rate limits and a gateway guard",
              ".SH SYNOPSIS", ".B xdpguard", "[\\fB\\-\\-pin\\-dir\\fR \\fIDIR\\fR] [\\fB\\-\\-verbose\\fR]",
              "\\fICOMMAND\\fR ...",
              ".SH DESCRIPTION",
              "xdpguard attaches an XDP program to network interfaces and drops or rate-limits",
              "packets from blocklisted IPv4 and IPv6 prefixes before the kernel's stack sees them.",
              "Lists come from the command line, the configuration file",
              "(\\fBxdpguard.json\\fR(5)), periodic feeds, fail2ban and CrowdSec. The same",
              "program flags ARP replies and IPv6 neighbour or router advertisements that claim the",
              "gateway's address from another MAC.",
              ".PP",
              "The commands below are the binary's own help (\\fBxdpguard \\-\\-help\\fR;",
              "\\fBxdpguard\\fR \\fIVERB\\fR \\fB\\-\\-help\\fR prints one verb's part).",
              ".SH COMMANDS"]
    blocks = re.split(r"\n\s*\n", rest.strip("\n"))
    footer = []
    for block in blocks:
        first, _, body = block.partition("\n")
        if first.startswith("Exit codes") or first.startswith("State is"):
            footer.append(block)
            continue
        lines += [".SS " + esc(first.rstrip(":")), ".nf"]
        lines += [esc(line) for line in body.split("\n")]
        lines += [".fi"]
    lines += [".SH EXIT STATUS", ".nf"] + [esc(l) for l in "\n".join(footer).split("\n")] + [".fi"]
    lines += [".SH FILES",
              ".TP", "\\fI/etc/xdpguard/xdpguard.json\\fR",
              "The configuration (\\fBxdpguard.json\\fR(5)); \\fB$XDPGUARD_CONFIG\\fR or \\fB\\-\\-config\\fR name another.",
              ".TP", "\\fI/sys/fs/bpf/xdpguard\\fR",
              "The pinned maps and program: the filter's state, which outlives the process.",
              ".TP", "\\fI/var/lib/xdpguard\\fR",
              "The service's state: feeds' last good copies, their status, saved operator entries.",
              ".SH ENVIRONMENT",
              ".TP", "\\fBXDPGUARD_PIN_DIR\\fR", "The pin directory, as \\fB\\-\\-pin\\-dir\\fR.",
              ".TP", "\\fBXDPGUARD_CONFIG\\fR", "The configuration file, as \\fB\\-\\-config\\fR.",
              ".TP", "\\fBXDPGUARD_SERVICE_USER\\fR",
              "The user that owns the pin directory when the service runs unprivileged (default xdpguard).",
              ".SH SEE ALSO",
              "\\fBxdpguard.json\\fR(5), \\fBfail2ban\\-client\\fR(1), \\fBcscli\\fR(1), \\fBbpftool\\fR(8),",
              "\\fBsystemctl\\fR(1); /usr/share/doc/xdpguard/"]
    return "\n".join(lines) + "\n"


def page5(config_md, version, date):
    lines = header("xdpguard.json", 5, version, date, "File Formats")
    lines += [".SH NAME", "xdpguard.json \\- configuration of the xdpguard service and its feeds",
              ".SH DESCRIPTION"]
    src = open(config_md).read().split("\n")
    in_code = False
    table_head = None
    paragraph = []

    def flush():
        if paragraph:
            lines.extend([".PP", inline(" ".join(paragraph))])
            paragraph.clear()

    for raw in src:
        line = raw.rstrip()
        if line.startswith("```"):
            flush()
            lines.append(".fi" if in_code else ".nf")
            in_code = not in_code
            continue
        if in_code:
            lines.append(esc(line))
            continue
        if line.startswith("# "):
            continue  # the title: NAME says it
        if line.startswith("[README]"):
            continue  # the docs' navigation bar
        if line.startswith("## "):
            flush()
            lines.append(".SH " + esc(line[3:].upper()))
            table_head = None
            continue
        if line.startswith("|"):
            flush()
            cells = [c.strip() for c in line.strip("|").split("|")]
            if table_head is None:
                table_head = cells
            elif not all(re.fullmatch(r":?-+:?", c) for c in cells):
                lines.append(".TP")
                lines.append(inline(cells[0]))
                rest = []
                for head, cell in zip(table_head[1:], cells[1:]):
                    if cell:
                        rest.append(f"{inline(head)}: {inline(cell)}")
                lines.append(". ".join(rest) if rest else "")
            continue
        table_head = None
        if line.startswith("- "):
            flush()
            lines += [".IP \\(bu 2", inline(line[2:])]
            continue
        if not line:
            flush()
            continue
        paragraph.append(line)
    flush()
    lines += [".SH SEE ALSO", "\\fBxdpguard\\fR(8); /usr/share/doc/xdpguard/"]
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--config-md", required=True)
    ap.add_argument("--version", required=True)
    ap.add_argument("--date", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "xdpguard.8"), "w") as f:
        f.write(page8(a.binary, a.version, a.date))
    with open(os.path.join(a.out, "xdpguard.json.5"), "w") as f:
        f.write(page5(a.config_md, a.version, a.date))


if __name__ == "__main__":
    main()
