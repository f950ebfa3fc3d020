// Vector unit (hw/README.md "RTL vector unit"): the layers beside the array. Lanes channels at a
// time, one window tap (or add operand) per cycle per lane, for every output pixel:
//   OpMax     max pooling; with a 1x1 window also padding, clamp and a standalone shift
//             (per-channel offsets from the shift table when cfg_shift_en_i)
//   OpAvg     average pooling and global average pooling (a window the size of the input),
//             rounded to nearest, ties away from zero (fixed_point.hpp rounding_divide)
//   OpAdd     residual add of cfg_operands_i operands: sum of add_term(x_k, M_k), requantized by
//             the output multiplier and clamped (fixed_point.hpp add_term, requantize)
//   OpRescale one concatenation operand at the output scale (fixed_point.hpp rescale)
// The host writes the operands (CHW int8) to the input store, their base addresses and
// multipliers to the operand table and, for a shift, the channels' offsets to the shift table,
// then holds the descriptor from start_i until done_o. Output lane l writes channel
// (group + l) of the pass at vo_index_o = channel * out_h * out_w + pixel. A pass takes
// ceil(channels / Lanes) * out_h * out_w * taps cycles after start_i, taps = kh * kw (pooling),
// operands (add) or 1 (rescale); done_o rises with the last outputs.
module ccsim_vector_unit #(
  parameter int unsigned Lanes   = 8,
  parameter int unsigned AddrW   = 16,  // input store: 2^AddrW bytes
  parameter int unsigned ShChW   = 10,  // shift table: 2^ShChW channels per pass
  parameter int unsigned MaxOps  = 16,  // operand table entries
  parameter int unsigned WrBytes = 8,   // input store write port (bytes per cycle)
  parameter int unsigned OpIdxW  = $clog2(MaxOps)
) (
  input  logic                            clk_i,
  input  logic                            rst_ni,
  // descriptor, stable from start_i until done_o
  input  logic [1:0]                      cfg_op_i,
  input  logic [15:0]                     cfg_channels_i,
  input  logic [15:0]                     cfg_in_h_i,
  input  logic [15:0]                     cfg_in_w_i,
  input  logic [15:0]                     cfg_out_h_i,
  input  logic [15:0]                     cfg_out_w_i,
  input  logic [15:0]                     cfg_kh_i,
  input  logic [15:0]                     cfg_kw_i,
  input  logic [7:0]                      cfg_stride_h_i,
  input  logic [7:0]                      cfg_stride_w_i,
  input  logic signed [7:0]               cfg_pad_top_i,
  input  logic signed [7:0]               cfg_pad_left_i,
  input  logic                            cfg_include_pad_i,
  input  logic                            cfg_shift_en_i,
  input  logic [OpIdxW:0]                 cfg_operands_i,
  input  logic signed [7:0]               cfg_act_min_i,
  input  logic signed [7:0]               cfg_act_max_i,
  input  logic signed [31:0]              cfg_out_mult_i,
  input  logic signed [7:0]               cfg_out_shift_i,
  // operand table: base address in the input store and multiplier of operand op_idx_i
  input  logic                            op_we_i,
  input  logic [OpIdxW-1:0]               op_idx_i,
  input  logic [AddrW-1:0]                op_base_i,
  input  logic signed [31:0]              op_mult_i,
  input  logic signed [7:0]               op_shift_i,
  // shift table: the offsets (dy, dx) channel sh_ch_i of the pass reads from
  input  logic                            sh_we_i,
  input  logic [ShChW-1:0]                sh_ch_i,
  input  logic signed [2:0]               sh_dy_i,
  input  logic signed [2:0]               sh_dx_i,
  // input store write port (host / DMA)
  input  logic                            in_we_i,
  input  logic [AddrW-1:0]                in_addr_i,
  input  logic [WrBytes-1:0]              in_strb_i,
  input  logic [WrBytes-1:0][7:0]         in_data_i,
  input  logic                            start_i,
  output logic                            busy_o,
  output logic                            done_o,
  // output stream, one lane per channel of the group
  output logic [Lanes-1:0]                vo_valid_o,
  output logic [Lanes-1:0][31:0]          vo_index_o,
  output logic [Lanes-1:0][7:0]           vo_data_o
);
  localparam logic [1:0] OpMax = 2'd0, OpAvg = 2'd1, OpAdd = 2'd2, OpRescale = 2'd3;
  localparam int unsigned AddLeftShift = 20;  // fixed_point.hpp kAddLeftShift

  // ---- tables ----------------------------------------------------------------------------------
  logic [AddrW-1:0]   op_base_q  [MaxOps];
  logic signed [31:0] op_mult_q  [MaxOps];
  logic signed [7:0]  op_shift_q [MaxOps];
  logic signed [2:0]  sh_dy_q    [2**ShChW];
  logic signed [2:0]  sh_dx_q    [2**ShChW];

  always_ff @(posedge clk_i) begin
    if (op_we_i) begin
      op_base_q[op_idx_i]  <= op_base_i;
      op_mult_q[op_idx_i]  <= op_mult_i;
      op_shift_q[op_idx_i] <= op_shift_i;
    end
    if (sh_we_i) begin
      sh_dy_q[sh_ch_i] <= sh_dy_i;
      sh_dx_q[sh_ch_i] <= sh_dx_i;
    end
  end

  logic [Lanes-1:0][AddrW-1:0] rd_addr;
  logic [Lanes-1:0][7:0]       rd_data;
  ccsim_act_buffer #(.AddrW(AddrW), .NumRead(Lanes), .WrBytes(WrBytes)) u_store (
    .clk_i,
    .we_i      (in_we_i),
    .wr_addr_i (in_addr_i),
    .wr_strb_i (in_strb_i),
    .wr_data_i (in_data_i),
    .rd_addr_i (rd_addr),
    .rd_data_o (rd_data)
  );

  // ---- walk: channel group, output row, output column, tap -------------------------------------
  logic        run_q, done_q;
  logic [15:0] group_q, oy_q, ox_q, ty_q, tx_q;
  logic [OpIdxW:0] k_q;  // add operand
  logic        first_tap, last_tap, last_pixel, last_group;
  logic [31:0] in_plane, out_plane, out_pixel;

  assign in_plane  = 32'(cfg_in_h_i) * 32'(cfg_in_w_i);
  assign out_plane = 32'(cfg_out_h_i) * 32'(cfg_out_w_i);
  assign out_pixel = 32'(oy_q) * 32'(cfg_out_w_i) + 32'(ox_q);

  always_comb begin
    unique case (cfg_op_i)
      OpMax, OpAvg: begin
        first_tap = ty_q == 16'd0 && tx_q == 16'd0;
        last_tap  = ty_q == cfg_kh_i - 16'd1 && tx_q == cfg_kw_i - 16'd1;
      end
      OpAdd: begin
        first_tap = k_q == '0;
        last_tap  = k_q == cfg_operands_i - 1'b1;
      end
      default: begin
        first_tap = 1'b1;
        last_tap  = 1'b1;
      end
    endcase
    last_pixel = oy_q == cfg_out_h_i - 16'd1 && ox_q == cfg_out_w_i - 16'd1;
    last_group = 32'(group_q) + Lanes >= 32'(cfg_channels_i);
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      run_q   <= 1'b0;
      done_q  <= 1'b0;
      group_q <= '0;
      oy_q    <= '0;
      ox_q    <= '0;
      ty_q    <= '0;
      tx_q    <= '0;
      k_q     <= '0;
    end else begin
      done_q <= 1'b0;
      if (!run_q) begin
        if (start_i) begin
          run_q   <= 1'b1;
          group_q <= '0;
          oy_q    <= '0;
          ox_q    <= '0;
          ty_q    <= '0;
          tx_q    <= '0;
          k_q     <= '0;
        end
      end else if (!last_tap) begin
        if (cfg_op_i == OpAdd) begin
          k_q <= k_q + 1'b1;
        end else if (tx_q == cfg_kw_i - 16'd1) begin
          tx_q <= '0;
          ty_q <= ty_q + 16'd1;
        end else begin
          tx_q <= tx_q + 16'd1;
        end
      end else begin
        ty_q <= '0;
        tx_q <= '0;
        k_q  <= '0;
        if (!last_pixel) begin
          if (ox_q == cfg_out_w_i - 16'd1) begin
            ox_q <= '0;
            oy_q <= oy_q + 16'd1;
          end else begin
            ox_q <= ox_q + 16'd1;
          end
        end else begin
          ox_q <= '0;
          oy_q <= '0;
          if (last_group) begin
            run_q  <= 1'b0;
            done_q <= 1'b1;
          end else begin
            group_q <= group_q + 16'(Lanes);
          end
        end
      end
    end
  end

  assign busy_o = run_q;
  assign done_o = done_q;

  // ---- lanes -------------------------------------------------------------------------------------
  logic signed [31:0] win_y, win_x;  // the tap's input position, before a channel's shift
  assign win_y = $signed(32'(oy_q) * 32'(cfg_stride_h_i)) - 32'(cfg_pad_top_i) + $signed(32'(ty_q));
  assign win_x = $signed(32'(ox_q) * 32'(cfg_stride_w_i)) - 32'(cfg_pad_left_i) + $signed(32'(tx_q));

  logic signed [31:0] acc_q [Lanes];
  logic [15:0]        cnt_q [Lanes];
  logic [Lanes-1:0]   out_valid_q;
  logic [31:0]        out_index_q [Lanes];
  logic [7:0]         out_data_q [Lanes];

  for (genvar l = 0; l < Lanes; l++) begin : g_lane
    logic [15:0]        ch;
    logic               active, in_bounds;
    logic signed [31:0] y, x, term, acc_d, sum, avg, divisor, half, result;
    logic [15:0]        cnt_d;
    logic [OpIdxW-1:0]  operand;
    logic signed [7:0]  v, act;
    logic [31:0]        addr;
    logic signed [31:0] rem_bits, threshold, rescaled;
    logic signed [7:0]  requant_act;

    assign ch      = group_q + 16'(l);
    assign active  = run_q && 32'(ch) < 32'(cfg_channels_i);
    assign operand = (cfg_op_i == OpAdd) ? k_q[OpIdxW-1:0] : '0;
    assign y = win_y + ((cfg_shift_en_i) ? 32'(sh_dy_q[ch[ShChW-1:0]]) : 32'sd0);
    assign x = win_x + ((cfg_shift_en_i) ? 32'(sh_dx_q[ch[ShChW-1:0]]) : 32'sd0);
    assign in_bounds = (cfg_op_i == OpAdd || cfg_op_i == OpRescale) ||
                       (y >= 0 && y < $signed(32'(cfg_in_h_i)) && x >= 0 && x < $signed(32'(cfg_in_w_i)));

    always_comb begin
      if (cfg_op_i == OpAdd || cfg_op_i == OpRescale) begin
        addr = 32'(op_base_q[operand]) + 32'(ch) * out_plane + out_pixel;
      end else begin
        addr = 32'(op_base_q[0]) + 32'(ch) * in_plane + 32'(y) * 32'(cfg_in_w_i) + 32'(x);
      end
    end
    assign rd_addr[l] = in_bounds ? addr[AddrW-1:0] : '0;
    logic unused_addr_msbs;
    assign unused_addr_msbs = ^addr[31:AddrW];  // the host keeps every operand inside the store
    assign v = $signed(rd_data[l]);

    // add_term / rescale: the operand scaled up by 2^20, times its multiplier.
    ccsim_apply_mult u_term (
      .acc_i   (32'(v) <<< AddLeftShift),
      .mult_i  (op_mult_q[operand]),
      .shift_i (op_shift_q[operand]),
      .res_o   (term)
    );

    always_comb begin
      acc_d = first_tap ? 32'sd0 : acc_q[l];
      cnt_d = first_tap ? 16'd0 : cnt_q[l];
      unique case (cfg_op_i)
        OpMax: if (in_bounds) begin
          acc_d = (cnt_d == 16'd0 || 32'(v) > acc_d) ? 32'(v) : acc_d;
          cnt_d = cnt_d + 16'd1;
        end
        OpAvg: if (in_bounds) begin
          acc_d = acc_d + 32'(v);
          cnt_d = cnt_d + 16'd1;
        end
        OpAdd:   acc_d = acc_d + term;
        default: acc_d = term;
      endcase
    end

    // Average: round to nearest, ties away from zero. The divisor is at most the window
    // (<= 2^AddrW taps), so synthesis maps this to a combinational divider of that width.
    always_comb begin
      sum     = acc_d;
      divisor = cfg_include_pad_i ? $signed(32'(cfg_kh_i) * 32'(cfg_kw_i)) : $signed(32'(cnt_d));
      half    = divisor >>> 1;
      if (divisor == 32'sd0) begin
        avg = 32'sd0;
      end else if (sum >= 0) begin
        avg = (sum + half) / divisor;
      end else begin
        avg = -((half - sum) / divisor);
      end
    end

    // rescale: the 2^20-scaled term rounded back (RoundingDivideByPOT by 20)
    assign rem_bits  = 32'(acc_d[AddLeftShift-1:0]);
    assign threshold = (32'sd1 <<< (AddLeftShift - 1)) - 32'sd1 + ((acc_d < 0) ? 32'sd1 : 32'sd0);
    assign rescaled  = (acc_d >>> AddLeftShift) + ((rem_bits > threshold) ? 32'sd1 : 32'sd0);

    ccsim_requant u_requant (
      .acc_i     (acc_d),
      .mult_i    (cfg_out_mult_i),
      .shift_i   (cfg_out_shift_i),
      .act_min_i (cfg_act_min_i),
      .act_max_i (cfg_act_max_i),
      .act_o     (requant_act)
    );

    always_comb begin
      unique case (cfg_op_i)
        OpMax:   result = (cnt_d == 16'd0) ? 32'sd0 : acc_d;
        OpAvg:   result = avg;
        OpRescale: result = rescaled;
        default: result = 32'(requant_act);
      endcase
      if (result < 32'(cfg_act_min_i)) begin
        act = cfg_act_min_i;
      end else if (result > 32'(cfg_act_max_i)) begin
        act = cfg_act_max_i;
      end else begin
        act = result[7:0];
      end
    end

    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) begin
        acc_q[l]       <= '0;
        cnt_q[l]       <= '0;
        out_valid_q[l] <= 1'b0;
        out_index_q[l] <= '0;
        out_data_q[l]  <= '0;
      end else begin
        out_valid_q[l] <= active && last_tap;
        if (run_q) begin
          acc_q[l] <= acc_d;
          cnt_q[l] <= cnt_d;
        end
        if (active && last_tap) begin
          out_index_q[l] <= 32'(ch) * out_plane + out_pixel;
          out_data_q[l]  <= act;
        end
      end
    end

    assign vo_valid_o[l] = out_valid_q[l];
    assign vo_index_o[l] = out_index_q[l];
    assign vo_data_o[l]  = out_data_q[l];
  end
endmodule
