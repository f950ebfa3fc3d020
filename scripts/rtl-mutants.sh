#!/usr/bin/env bash
# Mutation check of the co-simulation: applies each RTL mutant below to a copy of rtl/, rebuilds
# ccsim with that RTL (a small 4x4 array, so each rebuild takes about a minute; the whole
# accelerator: controller, tile-stream DMA, tile), runs
# `ccsim cosim` on the bundled network (against the SystemC model, and the RTL alone with a slow
# DMA), on a network whose layers run in pixel blocks (tests/models/make_wide_cnn.py
# --pixel-blocks, at 72 x 72 and at 71 x 71 with a memory refusing 8 cycles after each request), on one with every layer kind of the vector unit (--vector-zoo) and on the
# residual graph network (tests/models/fmnist-resnet.onnx), and counts the mutants it reports
# (FAIL = caught).
# With CCSIM_MUTANT_CHECK=system the same mutants are checked instead by the RTL accelerator tile
# swapped into the SystemC/TLM accelerator (`ccsim run --rtl tile[,vector]`: the bundled network
# through the TLM system with an ideal memory and with 40 ns of latency, the pixel-block networks,
# the vector zoo and the residual graph network with the RTL vector unit too).
# Usage: scripts/rtl-mutants.sh [MUTANT_NUMBER ...]   (default: all). Results in
# ${CCSIM_MUTANT_DIR:-build-mutants}/mutants.json.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${CCSIM_MUTANT_DIR:-$root/build-mutants}
array=${CCSIM_MUTANT_ARRAY:-4x4}
bash "$root/scripts/install-deps.sh"

# file | original text | mutated text | what the bug is
mutants=(
  "ccsim_mx_cell.sv|term = -term;|term = term;|MSB of the serial input not negated (unsigned multiply)"
  "ccsim_mx_cell.sv|assign bit_in   = lines_i[select_q];|assign bit_in   = lines_i[0];|multiplexer ignores its select"
  "ccsim_mx_cell.sv|psum_d = psum_i + prod_q + term;|psum_d = psum_i + prod_q;|last bit's product term dropped"
  "ccsim_systolic_array.sv|assign bypass = load_valid_i \&\& (load_row_i == RowIdxW'(r));|assign bypass = 1'b0;|row loaded with the tile start misses the bypass"
  "ccsim_systolic_array.sv|lines_q   <= lines[r-1];|lines_q   <= lines[0];|bit lines skip the per-row delay (skew)"
  "ccsim_feeder.sv|in_window = (y >= 0)|in_window = (y > 0)|padding check off by one"
  "ccsim_feeder.sv|xs = x + 16'(\$signed(member_dx_i[c][k]));|xs = x;|shift unit ignores horizontal shifts"
  "ccsim_feeder.sv|ys = y + 16'(\$signed(member_dy_i[c][k]));|ys = y - 16'(\$signed(member_dy_i[c][k]));|shift unit moves vertically the wrong way"
  "ccsim_apply_mult.sv|((remainder > threshold) ? 32'sd1 : 32'sd0)|32'sd0|requantization truncates instead of rounding"
  "ccsim_requant.sv|act_o = act_max_i;|act_o = rounded[7:0];|no saturation at the activation maximum"
  "ccsim_tile.sv|(ct_q == 16'd0) ? (row_in_matrix ? bias_q[r] : 32'd0)|(ct_q == 16'd0) ? 32'd0|bias never added"
  "ccsim_tile.sv|assign out_we[r]     = right_take \&\& ct_q == cfg_col_tiles_q - 16'd1 \&\& row_in_matrix;|assign out_we[r]     = right_take \&\& row_in_matrix;|output written before the last column tile"
  "ccsim_tile.sv|assign in_matrix      = (ld_m < 32'(cfg_rows_q)) \&\& |assign in_matrix      = |partial tiles load stale rows"
  "ccsim_act_buffer.sv|mem_q[wr_addr_i + AddrW'(k)] <= wr_data_i[k];|mem_q[wr_addr_i + AddrW'(k)] <= wr_data_i[0];|activation write port repeats byte 0"
  "ccsim_tile.sv|pix_valid_q[0] <= pix_valid_q[0] \&\& (pix_p_q[0] + 16'd1 < cfg_pixels_q);|pix_valid_q[0] <= pix_valid_q[0];|feeder runs past the last pixel"
  "ccsim_tile_buffer.sv|assign tw_ready_o = !full_q[wr_ptr_q];|assign tw_ready_o = 1'b1;|DMA may overwrite a full slot"
  "ccsim_tile_buffer.sv|if (write \&\& tw_last_i) begin|if (write) begin|every write commits a slot"
  "ccsim_tile_buffer.sv|        rd_ptr_q         <= !rd_ptr_q;|        rd_ptr_q         <= rd_ptr_q;|read pointer stays on the released slot"
  "ccsim_tile_buffer.sv|assign next_full_o = full_q[!rd_ptr_q];|assign next_full_o = full_q[rd_ptr_q];|next tile's load checks the wrong slot"
  "ccsim_tile.sv|      members_q <= tb_members;|      members_q <= members_q;|group members never taken from the tile buffer"
  "ccsim_tile.sv|      bias_q    <= tb_bias;|      bias_q    <= bias_q;|row biases never taken from the tile buffer"
  "ccsim_tile.sv|      rshift_q  <= tb_shift;|      rshift_q  <= rshift_q;|requantization shifts never taken from the tile buffer"
  "ccsim_tile.sv|!last_tile \&\& (ld_idle|!last_tile \&\& (1'b1|a tile starts before its weights are in"
  "ccsim_tile.sv|          ld_active_d  = cur_full;|          ld_active_d  = 1'b1;|the first load does not wait for its slot"
  "ccsim_tile.sv|    if (ld_pending_q \&\& cur_full) begin|    if (ld_pending_q) begin|a waiting load starts before its slot is full"
  "ccsim_tile.sv|    assign os_pixel_o[r] = right_pixel;|    assign os_pixel_o[r] = stage_slot[r+1];|output stream pixel ignores the array skew"
  "ccsim_tile.sv|    assign os_row_o[r]   = m[15:0];|    assign os_row_o[r]   = 16'(r);|output stream row ignores the row tile"
  "ccsim_feeder.sv|- 16'(pad_top_i)|- 16'(\$unsigned(pad_top_i))|top padding read unsigned (a pixel block's band starting above its first window row)"
  "ccsim_vector_unit.sv|avg = (sum + half) / divisor;|avg = sum / divisor;|average pooling truncates instead of rounding"
  "ccsim_vector_unit.sv|OpAdd:   acc_d = acc_d + term;|OpAdd:   acc_d = term;|residual add keeps only its last operand"
  "ccsim_vector_unit.sv|32'(v) > acc_d) ? 32'(v) : acc_d;|32'(v) < acc_d) ? 32'(v) : acc_d;|max pooling takes the minimum"
  "ccsim_vector_unit.sv|(cnt_d == 16'd0 |(1'b0 |max pooling starts from 0, not from its first tap"
  "ccsim_vector_unit.sv|x < \$signed(32'(cfg_in_w_i))|x <= \$signed(32'(cfg_in_w_i))|pooling window reads one column past the right edge"
  "ccsim_vector_unit.sv|last_group = 32'(group_q) + Lanes >= 32'(cfg_channels_i);|last_group = 1'b1;|only the first group of lanes runs"
  "ccsim_vector_unit.sv|((cfg_shift_en_i) ? 32'(sh_dx_q[ch[ShChW-1:0]]) : 32'sd0)|32'sd0|standalone shift ignores horizontal offsets"
  "ccsim_vector_unit.sv|((rem_bits > threshold) ? 32'sd1 : 32'sd0)|32'sd0|concatenation rescale truncates instead of rounding"
  "ccsim_vector_unit.sv|divisor = cfg_include_pad_i ?|divisor = 1'b0 ?|average pooling ignores count_include_pad"
  "ccsim_vector_unit.sv|out_index_q[l] <= 32'(ch) * out_plane + out_pixel;|out_index_q[l] <= out_pixel;|vector output stream index ignores the channel"
  "ccsim_vector_unit.sv|if (result < 32'(cfg_act_min_i)) begin|if (1'b0) begin|vector unit does not clamp at the activation minimum"
  "ccsim_act_dma.sv|  assign word_first = rsp_word_q << ByteIdxW;|  assign word_first = req_word_q << ByteIdxW;|DMA writes a response where the next request's word goes"
  "ccsim_act_dma.sv|                           (MemAddrW'(req_word_q) << ByteIdxW);|                           MemAddrW'(0);|DMA reads a segment's first word every time"
  "ccsim_act_dma.sv|  assign last_rsp        = rsp_take \&\& rsp_seg_end \&\& rsp_seg_q == segs_q - 1'b1;|  assign last_rsp        = rsp_take \&\& rsp_seg_end;|DMA ends after the band's first segment"
  "ccsim_act_dma.sv|    assign act_strb_o[b] = at >= (CountW + 1)'(offset) \&\& |    assign act_strb_o[b] = |DMA also writes the bytes of a segment's first word before the segment"
  "ccsim_act_dma.sv|      if (req_take) begin|      if (mem_req_valid_o) begin|DMA moves to the next word on valid, without the memory's ready"
  "ccsim_act_dma.sv|          req_src_q  <= req_src_q + stride_q;|          req_src_q  <= req_src_q + MemAddrW'(seg_bytes_q);|DMA steps from segment to segment by the segment's size, not the channel stride"
  "ccsim_act_dma.sv|      pending_q <= pending_q + PendingW'(req_take) - PendingW'(rsp_take);|      pending_q <= req_take ? pending_q + 1'b1 : (rsp_take ? pending_q - 1'b1 : pending_q);|DMA misses a response that comes with a request (reads in flight over-counted)"
  "ccsim_out_dma.sv|        addr_q[r]          <= addr_i + MemAddrW'(r) * stride_i;|        addr_q[r]          <= addr_i;|output DMA writes every row at row 0's address"
  "ccsim_out_dma.sv|MemAddrW'(Lanes) * stride_i;|stride_i;|output DMA moves a lane one row down after its row, not one row tile"
  "ccsim_out_dma.sv|    assign flush        = lane_last_i[r];|    assign flush        = 1'b0;|output DMA never writes a row's partial last word"
  "ccsim_out_dma.sv|  assign granted    = grant_valid \&\& wr_ready_i;|  assign granted    = grant_valid;|output DMA drops a word the memory did not take (moves on valid alone)"
  "ccsim_out_dma.sv|      strb[at] = 1'b1;|      strb[0] = 1'b1;|output DMA strobes only byte 0 of each word"
  "ccsim_out_dma.sv|    assign kept         = drained ? {1'b0, held_valid_q[r][1]} : held_valid_q[r];|    assign kept         = held_valid_q[r];|output DMA files a word finished while its lane drains behind the leaving one"
  "ccsim_out_dma.sv|      end else if (any_lost) begin|      end else if (1'b0) begin|output DMA loses words without raising its overflow flag"
  "ccsim_ctrl.sv|WaitInput:   if (!dma_busy_i \&\& weights_ready)|WaitInput:   if (weights_ready)|controller starts the tile before the band is in"
  "ccsim_ctrl.sv|WaitInput:   if (!dma_busy_i \&\& weights_ready)|WaitInput:   if (!dma_busy_i)|controller starts the tile before its first weights are in"
  "ccsim_ctrl.sv|addr_q <= addr_q + MemAddrW'(8 * DescWords);|addr_q <= addr_q;|controller reads the first block's descriptor for every block"
  "ccsim_ctrl.sv|assign last_block    = desc_q[2][63];|assign last_block    = 1'b1;|controller stops after a layer's first block"
  "ccsim_ctrl.sv|assign cfg_pad_top_o    = desc_q[2][4:0];|assign cfg_pad_top_o    = 5'(desc_q[2][3:0]);|controller drops the sign of the top padding"
  "ccsim_ctrl.sv| \&\& pending_q < PendW'(MaxPending);|;|controller has more descriptor reads in flight than MaxPending"
  "ccsim_accel.sv|assign mem_req_addr_o  = fetching ? ctrl_req_addr : dma_req_addr;|assign mem_req_addr_o  = dma_req_addr;|descriptor reads go out at the DMA's address"
  "ccsim_tw_dma.sv| \&\& 32'(pending_q) + 32'(count_q) < MaxPending;| \&\& 32'(pending_q) < MaxPending;|tile-stream DMA asks for records its queue has no room for"
  "ccsim_tw_dma.sv|addr_q <= addr_q + MemAddrW'(RecBytes);|addr_q <= addr_q + MemAddrW'(8);|tile-stream DMA steps through memory by a word, not a record"
  "ccsim_tw_dma.sv|assign tw_last_o    = head[1];|assign tw_last_o    = head[0];|tile-stream DMA takes the member flag for the tile's last write"
  "ccsim_tw_dma.sv|assign tw_bias_o    = head[HdrW + Cols * (8 + SelBits) +: 32];|assign tw_bias_o    = head[HdrW + Cols * 8 +: 32];|tile-stream DMA reads the bias from the selects' bits"
  "ccsim_tw_dma.sv|if (pop) rd_ptr_q <= advance(rd_ptr_q);|if (pop) rd_ptr_q <= rd_ptr_q;|tile-stream DMA hands the tile buffer its queue's first record again and again"
)

selected=("$@")
if [ ${#selected[@]} -eq 0 ]; then selected=($(seq 1 ${#mutants[@]})); fi

mkdir -p "$work/rtl"
cp "$root"/rtl/*.sv "$work/rtl/"
cmake -S "$root" -B "$work/build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCCSIM_BUILD_TESTS=OFF -UCCSIM_VERILATOR_ARGS \
  -DCCSIM_COSIM_ARRAYS="$array" -DCCSIM_RTL_DIR="$work/rtl" >/dev/null
# Every run must pass for a mutant to count as missed: the RTL against the SystemC model every
# cycle (the bundled network's with a slow memory that also refuses every other request, so the
# controller's and the stored-input DMA's flow control and reads in flight are exercised), and the
# RTL alone with a tile-stream memory too slow for the tiles (its flow control; outputs checked
# against the golden model), and one run with a memory far too slow for the output stream, which must fail naming
# the output DMA's overflow.
cosim() {
  "$work/build/ccsim" cosim "$work/blocks.ccpack" --array "$array" --input "$work/blocks-x.pb" \
    --mismatch-trace "$work/mismatch.fst" "$@" &&
  "$work/build/ccsim" cosim "$root/models/examples/fmnist-shift.ccpack" --array "$array" --mem-latency 8 --mem-busy 1 \
    --dataset /usr/share/datasets/fashion-mnist --count 1 --mismatch-trace "$work/mismatch.fst" "$@" &&
  "$work/build/ccsim" cosim "$root/models/examples/fmnist-shift.ccpack" --array "$array" --design rtl --stream-gap 40 \
    --dataset /usr/share/datasets/fashion-mnist --count 1 --mismatch-trace "$work/mismatch.fst" "$@" &&
  "$work/build/ccsim" cosim "$work/zoo.ccpack" --array "$array" --input "$work/zoo-x.pb" "$@" &&
  "$work/build/ccsim" cosim "$work/odd.ccpack" --array "$array" --input "$work/odd-x.pb" --mem-busy 8 "$@" &&
  { out=$("$work/build/ccsim" cosim "$root/models/examples/fmnist-shift.ccpack" --array "$array" --mem-busy 40 \
      --dataset /usr/share/datasets/fashion-mnist --count 1 --mismatch-trace "$work/overflow.fst" 2>&1 || true)
    grep -q "output DMA overflow" <<<"$out" || { echo "a memory far too slow for the output stream: no overflow reported"; false; }; } &&
  "$work/build/ccsim" cosim "$work/resnet.ccpack" --array "$array" --dataset /usr/share/datasets/fashion-mnist --count 1 "$@"
}

# The same mutants through `ccsim run --rtl tile`: the Verilated accelerator inside the system.
in_system() {
  local data=(--dataset /usr/share/datasets/fashion-mnist --count 1)
  "$work/build/ccsim" run "$root/models/examples/fmnist-shift.ccpack" --array "$array" --tlm lt --rtl tile "${data[@]}" &&
  "$work/build/ccsim" run "$root/models/examples/fmnist-shift.ccpack" --array "$array" --tlm at --dram-latency-ns 40 \
    --rtl tile "${data[@]}" &&
  "$work/build/ccsim" run "$work/blocks.ccpack" --array "$array" --mode cycle --rtl tile --input "$work/blocks-x.pb" &&
  "$work/build/ccsim" run "$work/odd.ccpack" --array "$array" --tlm lt --dram-latency-ns 8 --rtl tile --input "$work/odd-x.pb" &&
  "$work/build/ccsim" run "$work/zoo.ccpack" --array "$array" --mode cycle --rtl tile,vector --input "$work/zoo-x.pb" &&
  "$work/build/ccsim" run "$work/resnet.ccpack" --array "$array" --tlm lt --rtl tile,vector "${data[@]}"
}
case "${CCSIM_MUTANT_CHECK:-cosim}" in
  cosim) check=cosim ;;
  system) check=in_system ;;
  *) echo "rtl-mutants: CCSIM_MUTANT_CHECK=${CCSIM_MUTANT_CHECK}: cosim or system" >&2; exit 2 ;;
esac

echo "== baseline (unmutated RTL, $array tile)"
cmake --build "$work/build" --target ccsim >/dev/null
/usr/bin/python3 "$root/tests/models/make_wide_cnn.py" "$work/blocks.onnx" --pixel-blocks "$work/blocks-x.pb" "$work/blocks-calib.pb"
"$work/build/ccsim" pack "$work/blocks.onnx" -o "$work/blocks.ccpack" --calib-input "$work/blocks-calib.pb" \
  --alpha 4 --combine-all --check-count 0 >/dev/null 2>&1
# The same at 71 x 71: band segments that start inside 8-byte words (the DMA's gather).
/usr/bin/python3 "$root/tests/models/make_wide_cnn.py" "$work/odd.onnx" --pixel-blocks "$work/odd-x.pb" "$work/odd-calib.pb" --side 71
"$work/build/ccsim" pack "$work/odd.onnx" -o "$work/odd.ccpack" --calib-input "$work/odd-calib.pb" \
  --alpha 4 --combine-all --check-count 0 >/dev/null 2>&1
# The vector unit: the layer kinds beside the array (make_wide_cnn.py --vector-zoo) and the
# residual adds, concatenation and padding of the graph network.
/usr/bin/python3 "$root/tests/models/make_wide_cnn.py" "$work/zoo.onnx" --vector-zoo "$work/zoo-x.pb" "$work/zoo-calib.pb"
"$work/build/ccsim" pack "$work/zoo.onnx" -o "$work/zoo.ccpack" --calib-input "$work/zoo-calib.pb" --alpha 1 >/dev/null 2>&1
"$work/build/ccsim" pack "$root/tests/models/fmnist-resnet.onnx" -o "$work/resnet.ccpack" --input-scale 1/255 \
  --calib-count 64 --calib-dataset /usr/share/datasets/fashion-mnist >/dev/null 2>&1
$check >/dev/null || { echo "rtl-mutants: the unmutated RTL does not pass $check" >&2; exit 1; }

results=()
caught=0
for n in "${selected[@]}"; do
  IFS='|' read -r file from to what <<<"${mutants[$((n - 1))]}"
  cp "$root"/rtl/*.sv "$work/rtl/"
  python3 - "$work/rtl/$file" "$from" "$to" <<'PY'
import sys
path, old, new = sys.argv[1], sys.argv[2].replace('\\&', '&'), sys.argv[3].replace('\\&', '&')
text = open(path).read()
if text.count(old) < 1:
    sys.exit(f"mutant does not apply: {old!r} not in {path}")
open(path, 'w').write(text.replace(old, new, 1))
PY
  if ! cmake --build "$work/build" --target ccsim >"$work/build-$n.log" 2>&1; then
    verdict="build-error"
  elif out=$($check 2>&1); then
    verdict="missed"
  else
    verdict="caught"
    caught=$((caught + 1))
  fi
  first=$(printf '%s\n' "${out:-}" | grep -m1 -E '^  ((tile|vector unit): )?cycle' | sed 's/^ *//' || true)
  printf 'mutant %2d %-8s %s: %s\n' "$n" "$verdict" "$file" "$what"
  [ -n "$first" ] && printf '            first mismatch: %s\n' "$first"
  results+=("{\"mutant\": $n, \"file\": \"$file\", \"bug\": \"$what\", \"verdict\": \"$verdict\", \"first_mismatch\": \"${first//\"/\'}\"}")
  out=""
done
cp "$root"/rtl/*.sv "$work/rtl/"
{
  echo "{\"array\": \"$array\", \"check\": \"$check\", \"caught\": $caught, \"mutants\": ${#selected[@]}, \"results\": ["
  (IFS=,; echo "${results[*]}")
  echo "]}"
} >"$work/mutants.json.tmp" && mv "$work/mutants.json.tmp" "$work/mutants.json"
echo "rtl-mutants: $check caught $caught of ${#selected[@]} mutants ($work/mutants.json)"
[ "$caught" -eq "${#selected[@]}" ]
