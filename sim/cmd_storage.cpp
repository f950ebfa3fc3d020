// `ccsim storage`: the weight storage of every sparsity format on one network's layers (a trained
// network, or a SCALE-Sim topology's shapes with seeded synthetic weights), pruned at one target
// density as explore prunes each packing (model::scheme_storage: column combining groups every
// layer afresh, and layers the front end would add are not counted): value bits, index bits,
// their sum, and the ratios a paper's storage comparison quotes (compression against dense, total
// and index against CSR).
#include <algorithm>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "models/atomic_file.hpp"
#include "models/scheme_packing.hpp"
#include "models/topology.hpp"
#include "sim/commands.hpp"
#include "sim/model_loader.hpp"
#include "sim/names.hpp"

namespace ccsim::cli {
namespace {

struct StorageArgs {
  std::string model;
  bool topology = false;
  std::vector<std::string> schemes{"dense", "bitmap", "csr", "nm", "pcnn", "periodic", "ternary", "cc"};
  double density = 0.25;
  model::SparsityParams params;
  std::string json;
};

// The networks whose weight layers are counted: the model, or one synthetic network per topology
// row (the seeds `run --topology` uses, so both see the same weights).
std::vector<model::Network> networks_of(const StorageArgs& a) {
  std::vector<model::Network> nets;
  if (!a.topology) {
    nets.push_back(load_model(a.model));
    return nets;
  }
  const auto layers = model::load_topology(a.model);
  for (std::size_t k = 0; k < layers.size(); ++k) {
    nets.push_back(model::synthetic_network(layers[k], static_cast<std::uint32_t>(k + 1)));
    nets.back().layers.front().name = layers[k].name;
  }
  return nets;
}

model::SchemeStorage storage_of(const std::vector<model::Network>& nets, const model::SchemeSpec& spec) {
  model::SchemeStorage total;
  for (const auto& net : nets) {
    model::SchemeStorage s = model::scheme_storage(net, spec);
    total.weights += s.weights;
    total.nonzeros += s.nonzeros;
    total.value_bits += s.value_bits;
    total.index_bits += s.index_bits;
    for (auto& l : s.layers) total.layers.push_back(std::move(l));
  }
  return total;
}

double ratio(std::int64_t a, std::int64_t b) { return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b); }

void run_storage(const StorageArgs& a) {
  const bool ternary = std::find(a.schemes.begin(), a.schemes.end(), "ternary") != a.schemes.end();
  const int kept = model::scheme_count_for(a.density, a.params.block);
  if (ternary && a.params.restricted && kept != 2) {
    std::ostringstream message;
    message << "--restricted: the restricted code keeps 2 of every block of " << a.params.block << ", --density "
            << a.density << " keeps " << kept;
    throw std::invalid_argument(message.str());
  }
  const auto nets = networks_of(a);
  const auto count = [&](const std::string& name) {
    model::SchemeSpec spec;
    spec.scheme = model::parse_sparsity_scheme(name);
    spec.density = spec.scheme == model::SparsityScheme::Dense ? 1.0 : a.density;
    spec.params = a.params;
    try {
      return storage_of(nets, spec);
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(a.model + ": scheme " + name + ": " + e.what());
    }
  };
  // The references every ratio is taken against, counted once whether or not they were listed.
  const model::SchemeStorage dense = count("dense");
  const model::SchemeStorage csr = count("csr");
  std::vector<std::pair<std::string, model::SchemeStorage>> rows;
  for (const auto& name : a.schemes) rows.emplace_back(name, name == "dense" ? dense : name == "csr" ? csr : count(name));

  std::ostringstream table;
  table << "weight storage of " << a.model << ": " << dense.weights << " weights in " << dense.layers.size()
        << " weight layers, " << a.params.bits << "-bit values, target density " << a.density << "\n";
  table << std::left << std::setw(10) << "scheme" << std::right << std::setw(12) << "non-zeros" << std::setw(9) << "density"
        << std::setw(14) << "value bits" << std::setw(14) << "index bits" << std::setw(14) << "total bits" << std::setw(11)
        << "vs dense" << std::setw(11) << "total/CSR" << std::setw(11) << "index/CSR" << "\n";
  nlohmann::json j = {{"model", a.model},
                      {"topology", a.topology},
                      {"density", a.density},
                      {"bits", a.params.bits},
                      {"weights", dense.weights},
                      {"params",
                       {{"m", a.params.m},
                        {"patterns", a.params.patterns},
                        {"pcnn_vector", a.params.pcnn_vector},
                        {"period", a.params.period},
                        {"block", a.params.block},
                        {"restricted", a.params.restricted},
                        {"alpha", a.params.alpha},
                        {"gamma", a.params.gamma}}},
                      {"schemes", nlohmann::json::array()}};
  for (const auto& [name, s] : rows) {
    const double compression = ratio(dense.value_bits + dense.index_bits, s.value_bits + s.index_bits);
    const double total_vs_csr = ratio(s.value_bits + s.index_bits, csr.value_bits + csr.index_bits);
    const double index_vs_csr = ratio(s.index_bits, csr.index_bits);
    table << std::left << std::setw(10) << name << std::right << std::setw(12) << s.nonzeros << std::setw(9) << std::fixed
          << std::setprecision(3) << ratio(s.nonzeros, s.weights) << std::setw(14) << s.value_bits << std::setw(14)
          << s.index_bits << std::setw(14) << s.value_bits + s.index_bits << std::setw(10) << std::setprecision(2)
          << compression << "x" << std::setw(11) << std::setprecision(3) << total_vs_csr << std::setw(11)
          << std::setprecision(s.index_bits > 0 && index_vs_csr < 0.001 ? 7 : 3) << index_vs_csr << "\n";
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& l : s.layers) {
      nlohmann::json lj = l.storage.to_json();
      lj["layer"] = l.layer;
      layers.push_back(std::move(lj));
    }
    j["schemes"].push_back({{"scheme", name},
                            {"nonzeros", s.nonzeros},
                            {"value_bits", s.value_bits},
                            {"index_bits", s.index_bits},
                            {"total_bits", s.value_bits + s.index_bits},
                            {"compression_vs_dense", compression},
                            {"total_vs_csr", total_vs_csr},
                            {"index_vs_csr", index_vs_csr},
                            {"layers", std::move(layers)}});
  }
  table << "vs dense: dense bits / total bits; total/CSR and index/CSR: this scheme's bits over CSR's at the same "
           "density (CSR rows = output channels)\n";
  if (!a.json.empty()) write_file_atomic(a.json, j.dump(2) + "\n");
  std::cout << table.str();
}

}  // namespace

void add_storage_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("storage", "Weight storage (value and index bits) of every sparsity format on a network's layers");
  auto a = std::make_shared<StorageArgs>();
  cmd->add_option("MODEL", a->model,
                  "network (.onnx, .json) or, with --topology or a .csv name, a SCALE-Sim topology (seeded synthetic weights)")
      ->required();
  cmd->add_flag("--topology", a->topology, "MODEL is a SCALE-Sim topology CSV (implied by a .csv name)");
  cmd->add_option("--schemes", a->schemes, "formats to count (default: all)")
      ->check(CLI::IsMember({"dense", "bitmap", "csr", "nm", "pcnn", "periodic", "ternary", "cc"}))
      ->delimiter(',');
  cmd->add_option("--density", a->density, "target fraction of non-zero weights per layer (as explore's density axis)")
      ->check(CLI::Range(0.0, 1.0));
  cmd->add_option("--bits", a->params.bits, "bits per stored value (b)")->check(CLI::Range(1, 32));
  cmd->add_option("--m", a->params.m, "N:M group size m (n follows the density)")->check(CLI::PositiveNumber);
  cmd->add_option("--patterns", a->params.patterns, "PCNN: patterns per layer (Np)")->check(CLI::PositiveNumber);
  cmd->add_option("--pcnn-vector", a->params.pcnn_vector,
                  "PCNN on 1x1 kernels and fully connected layers: input channels per 1-D pattern (L)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--period", a->params.period, "periodic (SPS): period P of the mask table")->check(CLI::Range(1, 65536));
  cmd->add_option("--block", a->params.block, "ternary: weights per block (N)")->check(CLI::Range(1, 32));
  cmd->add_flag("--restricted", a->params.restricted, "ternary: one non-zero per half-block (the restricted (8,2) code)");
  cmd->add_option("--alpha", a->params.alpha, "column combining: max columns per group")->check(CLI::Range(1, 256));
  cmd->add_option("--gamma", a->params.gamma, "column combining: average conflicts per row allowed")->check(CLI::Range(0.0, 1e6));
  cmd->add_option("--json", a->json, "also write every scheme's totals and per-layer formulas (JSON)");
  cmd->callback([a] {
    if (!(a->density > 0.0)) throw std::invalid_argument("--density must be > 0");
    a->topology = a->topology || ends_with(a->model, ".csv");
    run_storage(*a);
  });
}

}  // namespace ccsim::cli
