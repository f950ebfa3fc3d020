// Architecture exploration: a sweep (SWEEP.json) over array size, data width, clock, buffer
// sizes, DRAM bandwidth, schedule, sparsity scheme, density, alpha, gamma and network; every
// point packs the network under its scheme (scheme_packing.hpp, cached per distinct packing) and
// runs the fast model on two inputs: latency of the first (cold), steady-state interval and
// activity (energy) of the second (warm; hw::steady_state_interval).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/sweep.hpp"

namespace ccsim::cli {

// One result row: the point's settings followed by its measurements (CSV column order).
using Row = std::vector<std::pair<std::string, std::string>>;

// Evaluates points with all cores (oneTBB); `done` is called once per finished row (any thread,
// serialized). Packings are shared between points that need the same one. With a
// `compute_report_dir`, each point also writes its per-layer compute report there as
// point-ID.csv (SCALE-Sim's COMPUTE_REPORT.csv columns, first inference).
void evaluate_points(const Sweep& sweep, const std::vector<SweepPoint>& points, int threads,
                     const std::function<void(const Row&)>& done, const std::string& compute_report_dir = "");

// The result columns in CSV order (a results file with other columns is from another version).
const std::vector<std::string>& result_columns();
std::string csv_header(const Row& row);
std::string csv_line(const Row& row);
// The cells of one CSV line as csv_line writes it (RFC 4180 quoting). Throws std::invalid_argument
// on an unterminated quote.
std::vector<std::string> csv_cells(const std::string& line);

// A line of the journal an explore run appends to while it works (RESULTS.csv.partial): the CSV
// line, a tab and its CRC-32 in hex, so a line torn by an interruption or garbled on disk is
// recognised on resume (journal_row returns nothing for it) and its point evaluated again.
std::string journal_line(const std::string& csv);
std::optional<std::string> journal_row(const std::string& line);
nlohmann::json row_json(const Row& row);

// Equal accuracy: of every set of result lines (CSV, `header`'s columns) that differ only in
// density and point ID, the line of lowest density whose accuracy is at least `target` (ties: the
// first), in the order the sets first appear. A set none of whose lines reach it adds a sentence
// to `unreached` (its settings and its best accuracy). Throws std::invalid_argument if the header
// lacks density or accuracy, or a line's accuracy is empty (not measured).
std::vector<std::string> rows_at_accuracy(const std::string& header, const std::vector<std::string>& lines, double target,
                                          std::vector<std::string>& unreached);

}  // namespace ccsim::cli
