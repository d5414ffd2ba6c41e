// SPDX-License-Identifier: GPL-2.0
// The bare exact-hash reference filter of scripts/bench.sh: loads bench/bare_lpm.bpf.c's
// bare_hash program (drop on one BPF_MAP_TYPE_HASH lookup of the source address), fills
// its IPv4 map with the address of every entry of a list file (one CIDR per line) plus
// the addresses of --also CIDR, and pins the program so `ip link set ... xdpdrv pinned`
// attaches it. With --bucket, the same keys go into the bucketised-table prototype
// (bench/bucket_table.h, program bare_bucket; --bucket-value: bare_bucket_value, whose
// hits also read a per-entry value) instead. Needs root.
//   bare_hash_filter --list FILE --pin PATH [--also CIDR] [--bucket | --bucket-value]
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "bare_lpm_bpf.skel.h"
#include "bucket_builder.h"
#include "bucket_probe_bpf.skel.h"

namespace {

// The prototype table with every key, its program pinned at pin: bare_bucket, or
// bare_bucket_value (per-entry values) when values.
int PinBucketFilter(const std::vector<uint32_t>& keys, const std::string& pin, bool values) {
  std::string error, summary;
  bucket_probe_bpf* skel = xdpguard::bench::LoadBucketPrototype(keys, &error, &summary);
  if (!skel) {
    fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  if (bpf_program__pin(values ? skel->progs.bare_bucket_value : skel->progs.bare_bucket, pin.c_str())) {
    fprintf(stderr, "cannot pin %s: %s\n", pin.c_str(), strerror(errno));
    return 1;
  }
  printf("bucket prototype: %s, pinned at %s\n", summary.c_str(), pin.c_str());
  bucket_probe_bpf__destroy(skel);  // the pinned program keeps its maps
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string list, pin, also;
  bool bucket = false, bucket_value = false;
  for (int i = 1; i < argc; i++) {
    const bool has_value = i + 1 < argc;
    if (!strcmp(argv[i], "--bucket")) bucket = true;
    else if (!strcmp(argv[i], "--bucket-value")) bucket = bucket_value = true;
    else if (!strcmp(argv[i], "--list") && has_value) list = argv[++i];
    else if (!strcmp(argv[i], "--pin") && has_value) pin = argv[++i];
    else if (!strcmp(argv[i], "--also") && has_value) also = argv[++i];
  }
  if (list.empty() || pin.empty()) {
    fprintf(stderr, "usage: bare_hash_filter --list FILE --pin PATH [--also CIDR] [--bucket | --bucket-value]\n");
    return 2;
  }
  std::vector<uint32_t> keys;
  std::ifstream in(list);
  for (std::string line; std::getline(in, line);) {
    std::string addr = line.substr(0, line.find('/'));
    uint32_t a;
    if (inet_pton(AF_INET, addr.c_str(), &a) == 1) keys.push_back(a);
  }
  if (!also.empty()) {  // every address of a /24 (the one-24 flood's sources)
    uint32_t a;
    if (inet_pton(AF_INET, also.substr(0, also.find('/')).c_str(), &a) != 1) return 2;
    for (uint32_t i = 0; i < 256; i++) keys.push_back(htonl((ntohl(a) & ~255u) | i));
  }
  if (bucket) return PinBucketFilter(keys, pin, bucket_value);
  bare_lpm_bpf* skel = bare_lpm_bpf__open();
  if (!skel) return 1;
  bpf_map__set_max_entries(skel->maps.bare_h4, static_cast<uint32_t>(keys.size() + 1024));
  if (bare_lpm_bpf__load(skel)) {
    fprintf(stderr, "cannot load the bare hash program\n");
    return 1;
  }
  std::vector<uint32_t> ones(keys.size(), 1);
  uint32_t n = static_cast<uint32_t>(keys.size());
  LIBBPF_OPTS(bpf_map_batch_opts, opts);
  if (bpf_map_update_batch(bpf_map__fd(skel->maps.bare_h4), keys.data(), ones.data(), &n, &opts)) {
    fprintf(stderr, "cannot fill the bare hash: %s\n", strerror(errno));
    return 1;
  }
  if (bpf_program__pin(skel->progs.bare_hash, pin.c_str())) {
    fprintf(stderr, "cannot pin %s: %s\n", pin.c_str(), strerror(errno));
    return 1;
  }
  printf("bare hash: %u addresses, pinned at %s\n", n, pin.c_str());
  bare_lpm_bpf__destroy(skel);  // the pinned program keeps its map
  return 0;
}
