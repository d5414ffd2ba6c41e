// SPDX-License-Identifier: GPL-2.0
// Attributes perf samples taken in a loaded BPF program to its source lines, with the
// kernel's own map from jited addresses to line info. bpftool's `dump jited linum` does
// this too but needs a disassembler, which Debian's bpftool and perf are built without.
//   perf record -a -F 999 -o /tmp/perf.data -- sleep 20     (while the program runs)
//   perf script -i /tmp/perf.data -F ip [--tid T] | bpf_line_profile [--top N] PROG_ID
// Reads one sample address per line (hex, the first word), counts those inside the
// program's main function or any of its subprograms (global functions), and prints each
// function's share, then the source lines with the most samples. A sample is charged to
// the last line-info record at or before its address: a cache miss is usually charged to
// the instruction after the load that missed, so read a line's neighbours too.
// Needs root (the kernel shows jited addresses only to a privileged reader).
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <iterator>
#include <map>
#include <string>
#include <tuple>
#include <vector>

namespace {

struct Func {
  uint64_t start = 0;
  uint32_t len = 0;
  std::string name;
};

struct Line {
  uint64_t addr = 0;  // first jited byte of the record
  size_t func = 0;
  std::string where;  // file:line
  std::string text;
};

struct Program {
  std::vector<Func> funcs;
  std::vector<Line> lines;  // sorted by addr
};

std::string Basename(const char* path) {
  const char* slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// The function holding addr, or funcs.size().
size_t FuncOf(const Program& p, uint64_t addr) {
  for (size_t f = 0; f < p.funcs.size(); f++) {
    if (addr >= p.funcs[f].start && addr < p.funcs[f].start + p.funcs[f].len) return f;
  }
  return p.funcs.size();
}

// The program's functions and line records; exits with a message when the kernel does not
// give them (unprivileged reader, program without BTF, interpreter instead of JIT).
Program ReadProgram(uint32_t id) {
  int fd = bpf_prog_get_fd_by_id(id);
  if (fd < 0) {
    fprintf(stderr, "no BPF program with id %u (bpftool prog list shows the ids): %s\n", id,
            strerror(errno));
    exit(2);
  }
  bpf_prog_info counts{};
  uint32_t len = sizeof(counts);
  if (bpf_obj_get_info_by_fd(fd, &counts, &len) != 0) {
    fprintf(stderr, "cannot read the info of program %u: %s\n", id, strerror(errno));
    exit(2);
  }
  if (!counts.nr_jited_ksyms || !counts.nr_jited_line_info || !counts.btf_id) {
    fprintf(stderr,
            "program %u has no jited line info (not JIT-compiled, loaded without BTF, or this "
            "reader is not root)\n",
            id);
    exit(2);
  }
  std::vector<uint64_t> ksyms(counts.nr_jited_ksyms), jited_lines(counts.nr_jited_line_info);
  std::vector<uint32_t> func_lens(counts.nr_jited_func_lens);
  std::vector<char> line_info(size_t{counts.nr_line_info} * counts.line_info_rec_size);
  std::vector<char> func_info(size_t{counts.nr_func_info} * counts.func_info_rec_size);
  bpf_prog_info info{};
  info.nr_jited_ksyms = counts.nr_jited_ksyms;
  info.jited_ksyms = reinterpret_cast<uint64_t>(ksyms.data());
  info.nr_jited_func_lens = counts.nr_jited_func_lens;
  info.jited_func_lens = reinterpret_cast<uint64_t>(func_lens.data());
  info.nr_jited_line_info = counts.nr_jited_line_info;
  info.jited_line_info_rec_size = sizeof(uint64_t);
  info.jited_line_info = reinterpret_cast<uint64_t>(jited_lines.data());
  info.nr_line_info = counts.nr_line_info;
  info.line_info_rec_size = counts.line_info_rec_size;
  info.line_info = reinterpret_cast<uint64_t>(line_info.data());
  info.nr_func_info = counts.nr_func_info;
  info.func_info_rec_size = counts.func_info_rec_size;
  info.func_info = reinterpret_cast<uint64_t>(func_info.data());
  len = sizeof(info);
  if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0) {
    fprintf(stderr, "cannot read the line info of program %u: %s\n", id, strerror(errno));
    exit(2);
  }
  close(fd);
  btf* types = btf__load_from_kernel_by_id(info.btf_id);
  if (!types) {
    fprintf(stderr, "cannot load the BTF of program %u\n", id);
    exit(2);
  }
  Program p;
  for (size_t i = 0; i < ksyms.size() && i < func_lens.size(); i++) {
    Func f{ksyms[i], func_lens[i], "func" + std::to_string(i)};
    if (i < info.nr_func_info) {
      bpf_func_info fi;
      memcpy(&fi, func_info.data() + i * info.func_info_rec_size, sizeof(fi));
      const btf_type* t = btf__type_by_id(types, fi.type_id);
      if (t) f.name = btf__name_by_offset(types, t->name_off);
    }
    p.funcs.push_back(f);
  }
  for (size_t i = 0; i < jited_lines.size() && i < info.nr_line_info; i++) {
    bpf_line_info li;
    memcpy(&li, line_info.data() + i * info.line_info_rec_size, sizeof(li));
    Line l;
    l.addr = jited_lines[i];
    l.func = FuncOf(p, l.addr);
    if (l.func == p.funcs.size()) continue;
    const char* file = btf__name_by_offset(types, li.file_name_off);
    const char* text = btf__name_by_offset(types, li.line_off);
    l.where = Basename(file ? file : "?") + ":" + std::to_string(BPF_LINE_INFO_LINE_NUM(li.line_col));
    l.text = Trim(text ? text : "");
    p.lines.push_back(l);
  }
  btf__free(types);
  std::sort(p.lines.begin(), p.lines.end(),
            [](const Line& a, const Line& b) { return a.addr < b.addr; });
  return p;
}

double Percent(uint64_t part, uint64_t whole) { return whole ? 100.0 * part / whole : 0.0; }

}  // namespace

int main(int argc, char** argv) {
  size_t top = 40;
  uint32_t id = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--top") && i + 1 < argc) {
      top = strtoul(argv[++i], nullptr, 10);
    } else if (argv[i][0] != '-' && !id) {
      id = static_cast<uint32_t>(strtoul(argv[i], nullptr, 10));
    } else {
      fprintf(stderr, "usage: perf script -F ip | %s [--top N] PROG_ID\n", argv[0]);
      return 2;
    }
  }
  if (!id) {
    fprintf(stderr, "usage: perf script -F ip | %s [--top N] PROG_ID\n", argv[0]);
    return 2;
  }
  const Program p = ReadProgram(id);
  std::vector<uint64_t> per_func(p.funcs.size());
  std::map<std::tuple<size_t, std::string>, uint64_t> per_line;  // (func, file:line)
  std::map<std::string, std::string> text_of;
  uint64_t total = 0, inside = 0;
  std::string word;
  while (std::cin >> word) {
    std::string rest;
    std::getline(std::cin, rest);  // anything after the address
    char* end = nullptr;
    uint64_t ip = strtoull(word.c_str(), &end, 16);
    if (end == word.c_str()) continue;  // not an address (a header line)
    total++;
    size_t f = FuncOf(p, ip);
    if (f == p.funcs.size()) continue;
    inside++;
    per_func[f]++;
    auto after = std::upper_bound(p.lines.begin(), p.lines.end(), ip,
                                  [](uint64_t a, const Line& l) { return a < l.addr; });
    if (after == p.lines.begin() || std::prev(after)->func != f) {
      per_line[{f, "(no line)"}]++;
      continue;
    }
    const Line& l = *std::prev(after);
    per_line[{f, l.where}]++;
    text_of[l.where] = l.text;
  }
  printf("samples read %lu, in program %u: %lu (%.1f%%)\n", static_cast<unsigned long>(total), id,
         static_cast<unsigned long>(inside), Percent(inside, total));
  printf("\n%8s  %s\n", "% prog", "function");
  for (size_t f = 0; f < p.funcs.size(); f++) {
    if (per_func[f]) printf("%7.1f%%  %s\n", Percent(per_func[f], inside), p.funcs[f].name.c_str());
  }
  std::vector<std::pair<uint64_t, std::tuple<size_t, std::string>>> ranked;
  for (const auto& [key, n] : per_line) ranked.push_back({n, key});
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  printf("\n%8s  %-28s %-22s %s\n", "% prog", "function", "line", "source");
  for (size_t i = 0; i < ranked.size() && i < top; i++) {
    const auto& [n, key] = ranked[i];
    const std::string& where = std::get<1>(key);
    std::string text = text_of.count(where) ? text_of[where] : "";
    if (text.size() > 90) text = text.substr(0, 87) + "...";
    printf("%7.1f%%  %-28s %-22s %s\n", Percent(n, inside), p.funcs[std::get<0>(key)].name.c_str(),
           where.c_str(), text.c_str());
  }
  return 0;
}
