// One Matmul layer on the systolic array (hw/README.md): weight buffer, feeder with the fused
// shift unit, the R x C array, the accumulator buffer and the output stage (requantize, clamp),
// sequenced over row tiles (outer) and column tiles (inner) with double-buffered weight loads.
// Cycle for cycle the same schedule as the SystemC model's MatmulEngine (hw/matmul_engine.hpp):
// start_i begins the first weight load (R cycles), then each tile computes for
// T_compute = DataBits (P + Cols - 1) + Rows cycles while the next tile's weights load.
// The host writes the tables and the input through the *_we_i ports while the tile is idle and
// reads results through out_addr_i / out_data_o.
module ccsim_tile #(
  parameter int unsigned Rows        = 4,
  parameter int unsigned Cols        = 4,
  parameter int unsigned DataBits    = 8,
  parameter int unsigned AlphaMax    = 8,
  parameter int unsigned ActAddrW    = 12,   // activation input buffer: 2^ActAddrW bytes
  parameter int unsigned OutAddrW    = 12,   // output buffer: 2^OutAddrW bytes
  parameter int unsigned WAddrW      = 10,   // weight buffer: 2^WAddrW cells per bank
  parameter int unsigned PixW        = 10,   // accumulator buffer: 2^PixW pixels per row
  parameter int unsigned GroupW      = 8,    // group table: 2^GroupW packed columns
  parameter int unsigned RowW        = 8,    // row parameter table: 2^RowW filter rows
  parameter int unsigned MaxChannels = 256,  // shift table
  parameter int unsigned ActWrBytes  = 8,    // activation buffer write port width (bytes per cycle)
  parameter int unsigned SelBits     = (AlphaMax > 1) ? $clog2(AlphaMax) : 1,
  parameter int unsigned ChW         = (MaxChannels > 1) ? $clog2(MaxChannels) : 1,
  parameter int unsigned KW          = (AlphaMax > 1) ? $clog2(AlphaMax) : 1,
  parameter int unsigned BankW       = (Cols > 1) ? $clog2(Cols) : 1,
  parameter int unsigned RowIdxW     = (Rows > 1) ? $clog2(Rows) : 1,
  parameter int unsigned BitIdxW     = $clog2(DataBits)
) (
  input  logic                               clk_i,
  input  logic                               rst_ni,
  // layer descriptor (sampled with start_i)
  input  logic [15:0]                        cfg_rows_i,       // M: filter-matrix rows
  input  logic [15:0]                        cfg_groups_i,     // G: packed columns
  input  logic [15:0]                        cfg_row_tiles_i,  // ceil(M / Rows)
  input  logic [15:0]                        cfg_col_tiles_i,  // max(1, ceil(G / Cols))
  input  logic [15:0]                        cfg_pixels_i,     // P = out_h x out_w
  input  logic [11:0]                        cfg_out_w_i,
  input  logic [11:0]                        cfg_in_h_i,
  input  logic [11:0]                        cfg_in_w_i,
  input  logic [3:0]                         cfg_stride_h_i,
  input  logic [3:0]                         cfg_stride_w_i,
  input  logic [3:0]                         cfg_pad_top_i,
  input  logic [3:0]                         cfg_pad_left_i,
  input  logic                               cfg_shift_en_i,
  input  logic signed [7:0]                  cfg_act_min_i,
  input  logic signed [7:0]                  cfg_act_max_i,
  // host writes
  input  logic                               wb_we_i,
  input  logic [BankW-1:0]                   wb_bank_i,
  input  logic [WAddrW-1:0]                  wb_addr_i,
  input  logic [7:0]                         wb_weight_i,
  input  logic [SelBits-1:0]                 wb_select_i,
  input  logic                               act_we_i,
  input  logic [ActAddrW-1:0]                act_addr_i,
  input  logic [ActWrBytes-1:0]              act_strb_i,
  input  logic [ActWrBytes-1:0][7:0]         act_data_i,
  input  logic                               grp_we_i,
  input  logic [GroupW-1:0]                  grp_col_i,
  input  logic [KW-1:0]                      grp_k_i,
  input  logic                               grp_valid_i,
  input  logic [ChW-1:0]                     grp_ch_i,
  input  logic [2:0]                         grp_ky_i,
  input  logic [2:0]                         grp_kx_i,
  input  logic                               row_we_i,
  input  logic [RowW-1:0]                    row_addr_i,
  input  logic [31:0]                        row_bias_i,
  input  logic [31:0]                        row_mult_i,
  input  logic [7:0]                         row_shift_i,
  input  logic                               sh_we_i,
  input  logic [ChW-1:0]                     sh_ch_i,
  input  logic [1:0]                         sh_dy_i,
  input  logic [1:0]                         sh_dx_i,
  input  logic [OutAddrW-1:0]                out_addr_i,
  output logic [7:0]                         out_data_o,
  // control
  input  logic                               start_i,
  output logic                               busy_o,
  output logic                               done_o,
  // observation for co-simulation
  output logic [15:0]                        tile_o,
  output logic [31:0]                        tile_cycle_o,
  output logic                               computing_o,
  output logic [Cols-1:0][AlphaMax-1:0]      top_lines_o,
  output logic [Rows-1:0][Cols-1:0][31:0]    psum_o,
  output logic [Rows-1:0][Cols-1:0][31:0]    prod_o,
  output logic [31:0]                        out_writes_o  // output-buffer writes since start_i
);
  typedef enum logic [1:0] {Idle, FirstLoad, Compute, Done} state_e;

  // ---- layer descriptor, registered at start ----------------------------------------------------
  logic [15:0] cfg_rows_q;
  logic [15:0] cfg_groups_q;
  logic [15:0] cfg_row_tiles_q;
  logic [15:0] cfg_col_tiles_q;
  logic [15:0] cfg_pixels_q;
  logic [11:0] cfg_out_w_q;
  logic [11:0] cfg_in_h_q;
  logic [11:0] cfg_in_w_q;
  logic [3:0] cfg_stride_h_q;
  logic [3:0] cfg_stride_w_q;
  logic [3:0] cfg_pad_top_q;
  logic [3:0] cfg_pad_left_q;
  logic        cfg_shift_en_q;
  logic signed [7:0] cfg_act_min_q, cfg_act_max_q;
  logic        take_descriptor;
  assign take_descriptor = start_i && !busy_o;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cfg_rows_q <= '0;
      cfg_groups_q <= '0;
      cfg_row_tiles_q <= '0;
      cfg_col_tiles_q <= '0;
      cfg_pixels_q <= '0;
      cfg_out_w_q <= '0;
      cfg_in_h_q <= '0;
      cfg_in_w_q <= '0;
      cfg_stride_h_q <= '0;
      cfg_stride_w_q <= '0;
      cfg_pad_top_q <= '0;
      cfg_pad_left_q <= '0;
      cfg_shift_en_q <= '0;
      cfg_act_min_q <= '0;
      cfg_act_max_q <= '0;
    end else if (take_descriptor) begin
      cfg_rows_q <= cfg_rows_i;
      cfg_groups_q <= cfg_groups_i;
      cfg_row_tiles_q <= cfg_row_tiles_i;
      cfg_col_tiles_q <= cfg_col_tiles_i;
      cfg_pixels_q <= cfg_pixels_i;
      cfg_out_w_q <= cfg_out_w_i;
      cfg_in_h_q <= cfg_in_h_i;
      cfg_in_w_q <= cfg_in_w_i;
      cfg_stride_h_q <= cfg_stride_h_i;
      cfg_stride_w_q <= cfg_stride_w_i;
      cfg_pad_top_q <= cfg_pad_top_i;
      cfg_pad_left_q <= cfg_pad_left_i;
      cfg_shift_en_q <= cfg_shift_en_i;
      cfg_act_min_q <= cfg_act_min_i;
      cfg_act_max_q <= cfg_act_max_i;
    end
  end

  // ---- tables written by the host ------------------------------------------------------------
  logic [AlphaMax-1:0]          grp_valid_q [2**GroupW];
  logic [AlphaMax-1:0][ChW-1:0] grp_ch_q    [2**GroupW];
  logic [AlphaMax-1:0][2:0]     grp_ky_q    [2**GroupW];
  logic [AlphaMax-1:0][2:0]     grp_kx_q    [2**GroupW];
  logic [31:0]                  bias_q      [2**RowW];
  logic [31:0]                  mult_q      [2**RowW];
  logic [7:0]                   rshift_q    [2**RowW];
  logic [MaxChannels-1:0][1:0]  shift_dy_q, shift_dx_q;

  always_ff @(posedge clk_i) begin
    if (grp_we_i) begin
      grp_valid_q[grp_col_i][grp_k_i] <= grp_valid_i;
      grp_ch_q[grp_col_i][grp_k_i]    <= grp_ch_i;
      grp_ky_q[grp_col_i][grp_k_i]    <= grp_ky_i;
      grp_kx_q[grp_col_i][grp_k_i]    <= grp_kx_i;
    end
    if (row_we_i) begin
      bias_q[row_addr_i]   <= row_bias_i;
      mult_q[row_addr_i]   <= row_mult_i;
      rshift_q[row_addr_i] <= row_shift_i;
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      shift_dy_q <= '0;
      shift_dx_q <= '0;
    end else if (sh_we_i) begin
      shift_dy_q[sh_ch_i] <= sh_dy_i;
      shift_dx_q[sh_ch_i] <= sh_dx_i;
    end
  end

  // ---- sequencer -----------------------------------------------------------------------------
  state_e      state_q, state_d;
  logic [15:0] rt_q, rt_d, ct_q, ct_d;  // tile being computed (row tile, column tile)
  logic [31:0] t_q, t_d;                // cycle within the tile
  logic [31:0] t_compute;
  logic        last_tile, tile_start;

  // Weight loader: R consecutive cycles per tile, into the array's shadow registers.
  logic              ld_active_q, ld_active_d;
  logic [RowIdxW-1:0] ld_row_q, ld_row_d;
  logic [15:0]       ld_rt_q, ld_rt_d, ld_ct_q, ld_ct_d;
  logic              ld_last_row;
  logic [15:0]       next_rt, next_ct;

  assign t_compute   = DataBits * (32'(cfg_pixels_q) + Cols - 1) + Rows;
  assign last_tile   = (rt_q == cfg_row_tiles_q - 16'd1) && (ct_q == cfg_col_tiles_q - 16'd1);
  assign ld_last_row = (ld_row_q == RowIdxW'(Rows - 1));
  assign tile_start  = (state_q == FirstLoad && ld_last_row) ||
                       (state_q == Compute && t_q == t_compute - 1 && !last_tile);

  // The tile after (rt, ct) in row-tile-outer order.
  function automatic logic [31:0] next_tile(logic [15:0] rt, logic [15:0] ct, logic [15:0] col_tiles);
    if (ct == col_tiles - 16'd1) return {rt + 16'd1, 16'd0};
    return {rt, ct + 16'd1};
  endfunction

  always_comb begin
    state_d     = state_q;
    rt_d        = rt_q;
    ct_d        = ct_q;
    t_d         = t_q;
    ld_active_d = ld_active_q;
    ld_row_d    = ld_row_q;
    ld_rt_d     = ld_rt_q;
    ld_ct_d     = ld_ct_q;
    next_rt     = '0;
    next_ct     = '0;
    if (ld_active_q) begin
      ld_row_d = ld_row_q + 1'b1;
      if (ld_last_row) begin
        ld_active_d = 1'b0;
        ld_row_d    = '0;
      end
    end
    unique case (state_q)
      Idle, Done: begin
        if (start_i) begin
          state_d     = FirstLoad;
          rt_d        = '0;
          ct_d        = '0;
          t_d         = '0;
          ld_active_d = 1'b1;
          ld_row_d    = '0;
          ld_rt_d     = '0;
          ld_ct_d     = '0;
        end
      end
      FirstLoad: begin
        if (ld_last_row) begin
          state_d = Compute;
          t_d     = '0;
        end
      end
      Compute: begin
        t_d = t_q + 1;
        if (t_q == t_compute - 1) begin
          if (last_tile) begin
            state_d = Done;
          end else begin
            {rt_d, ct_d} = next_tile(rt_q, ct_q, cfg_col_tiles_q);
            t_d          = '0;
          end
        end
      end
      default: state_d = Idle;
    endcase
    // Each tile start begins loading the tile after it, if there is one.
    if (tile_start) begin
      {next_rt, next_ct} = next_tile(rt_d, ct_d, cfg_col_tiles_q);
      if (next_rt < cfg_row_tiles_q) begin
        ld_active_d = 1'b1;
        ld_row_d    = '0;
        ld_rt_d     = next_rt;
        ld_ct_d     = next_ct;
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q     <= Idle;
      rt_q        <= '0;
      ct_q        <= '0;
      t_q         <= '0;
      ld_active_q <= 1'b0;
      ld_row_q    <= '0;
      ld_rt_q     <= '0;
      ld_ct_q     <= '0;
    end else begin
      state_q     <= state_d;
      rt_q        <= rt_d;
      ct_q        <= ct_d;
      t_q         <= t_d;
      ld_active_q <= ld_active_d;
      ld_row_q    <= ld_row_d;
      ld_rt_q     <= ld_rt_d;
      ld_ct_q     <= ld_ct_d;
    end
  end

  assign busy_o       = (state_q == FirstLoad) || (state_q == Compute);
  assign done_o       = (state_q == Done);
  assign computing_o  = (state_q == Compute);
  assign tile_o       = 16'(32'(rt_q) * 32'(cfg_col_tiles_q) + 32'(ct_q));
  assign tile_cycle_o = t_q;

  // ---- weight buffer -> shadow registers ------------------------------------------------------
  logic [Cols-1:0][7:0]         wb_weight, load_weight;
  logic [Cols-1:0][SelBits-1:0] wb_select, load_select;
  logic [31:0]                  ld_m;

  assign ld_m = 32'(ld_rt_q) * Rows + 32'(ld_row_q);

  ccsim_weight_buffer #(
    .Cols    (Cols),
    .SelBits (SelBits),
    .AddrW   (WAddrW)
  ) u_weight_buffer (
    .clk_i       (clk_i),
    .we_i        (wb_we_i),
    .wr_bank_i   (wb_bank_i),
    .wr_addr_i   (wb_addr_i),
    .wr_weight_i (wb_weight_i),
    .wr_select_i (wb_select_i),
    .rd_addr_i   (WAddrW'(ld_m * 32'(cfg_col_tiles_q) + 32'(ld_ct_q))),
    .rd_weight_o (wb_weight),
    .rd_select_o (wb_select)
  );

  // Cells outside the filter matrix (partial tiles) hold weight 0.
  for (genvar c = 0; c < Cols; c++) begin : g_load
    logic in_matrix;
    assign in_matrix         = (ld_m < 32'(cfg_rows_q)) && (32'(ld_ct_q) * Cols + c < 32'(cfg_groups_q));
    assign load_weight[c] = in_matrix ? wb_weight[c] : 8'd0;
    assign load_select[c] = in_matrix ? wb_select[c] : '0;
  end

  // ---- row-0 slot / bit counters and their copies delayed by one cycle per row ----------------
  logic [BitIdxW-1:0] bit_q;
  logic [15:0]        slot_q;
  logic               last_bit;
  assign last_bit = (bit_q == BitIdxW'(DataBits - 1));

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      bit_q  <= '0;
      slot_q <= '0;
    end else if (tile_start) begin
      bit_q  <= '0;
      slot_q <= '0;
    end else if (state_q == Compute) begin
      bit_q  <= last_bit ? '0 : bit_q + 1'b1;
      slot_q <= last_bit ? slot_q + 16'd1 : slot_q;
    end
  end

  // stage[r]: (active, slot, bit) row 0 had r cycles ago; stage[Rows] serves the right edge.
  logic [Rows:0]               stage_active;
  logic [Rows:0][15:0]         stage_slot;
  logic [Rows:0][BitIdxW-1:0]  stage_bit;
  logic [Rows-1:0]             stage_active_q;
  logic [Rows-1:0][15:0]       stage_slot_q;
  logic [Rows-1:0][BitIdxW-1:0] stage_bit_q;
  assign stage_active = {stage_active_q, state_q == Compute};
  assign stage_slot   = {stage_slot_q, slot_q};
  assign stage_bit    = {stage_bit_q, bit_q};
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      stage_active_q <= '0;
      stage_slot_q   <= '0;
      stage_bit_q    <= '0;
    end else if (tile_start) begin
      stage_active_q <= '0;
      stage_slot_q   <= '0;
      stage_bit_q    <= '0;
    end else begin
      stage_active_q <= stage_active[Rows-1:0];
      stage_slot_q   <= stage_slot[Rows-1:0];
      stage_bit_q    <= stage_bit[Rows-1:0];
    end
  end

  // ---- feeder: each column's output pixel (column c works on pixel slot - c) --------------------
  logic [Cols-1:0]        pix_valid_q;
  logic [Cols-1:0][15:0]  pix_p_q;
  logic [Cols-1:0][11:0]  pix_oy_q, pix_ox_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      pix_valid_q <= '0;
      pix_p_q     <= '0;
      pix_oy_q    <= '0;
      pix_ox_q    <= '0;
    end else if (tile_start) begin
      pix_valid_q    <= '0;
      pix_valid_q[0] <= (cfg_pixels_q != 16'd0);
      pix_p_q        <= '0;
      pix_oy_q       <= '0;
      pix_ox_q       <= '0;
    end else if (state_q == Compute && last_bit) begin
      for (int c = Cols - 1; c > 0; c--) begin
        pix_valid_q[c] <= pix_valid_q[c-1];
        pix_p_q[c]     <= pix_p_q[c-1];
        pix_oy_q[c]    <= pix_oy_q[c-1];
        pix_ox_q[c]    <= pix_ox_q[c-1];
      end
      pix_p_q[0]     <= pix_p_q[0] + 16'd1;
      pix_valid_q[0] <= pix_valid_q[0] && (pix_p_q[0] + 16'd1 < cfg_pixels_q);
      if (pix_ox_q[0] == cfg_out_w_q - 12'd1) begin
        pix_ox_q[0] <= '0;
        pix_oy_q[0] <= pix_oy_q[0] + 12'd1;
      end else begin
        pix_ox_q[0] <= pix_ox_q[0] + 12'd1;
      end
    end
  end

  logic [Cols-1:0]                        col_valid;
  logic [Cols-1:0][AlphaMax-1:0]          member_valid;
  logic [Cols-1:0][AlphaMax-1:0][ChW-1:0] member_ch;
  logic [Cols-1:0][AlphaMax-1:0][2:0]     member_ky, member_kx;
  for (genvar c = 0; c < Cols; c++) begin : g_group
    logic [31:0] g;
    assign g               = 32'(ct_q) * Cols + c;
    assign col_valid[c]    = (state_q == Compute) && pix_valid_q[c] && (g < 32'(cfg_groups_q));
    assign member_valid[c] = grp_valid_q[GroupW'(g)];
    assign member_ch[c]    = grp_ch_q[GroupW'(g)];
    assign member_ky[c]    = grp_ky_q[GroupW'(g)];
    assign member_kx[c]    = grp_kx_q[GroupW'(g)];
  end

  logic [Cols-1:0][AlphaMax-1:0][ActAddrW-1:0] act_rd_addr;
  logic [Cols-1:0][AlphaMax-1:0][7:0]          act_rd_data;
  logic [Cols-1:0][AlphaMax-1:0]               lines;

  ccsim_feeder #(
    .Cols        (Cols),
    .AlphaMax    (AlphaMax),
    .DataBits    (DataBits),
    .MaxChannels (MaxChannels),
    .AddrW       (ActAddrW)
  ) u_feeder (
    .in_h_i         (cfg_in_h_q),
    .in_w_i         (cfg_in_w_q),
    .stride_h_i     (cfg_stride_h_q),
    .stride_w_i     (cfg_stride_w_q),
    .pad_top_i      (cfg_pad_top_q),
    .pad_left_i     (cfg_pad_left_q),
    .shift_en_i     (cfg_shift_en_q),
    .shift_dy_i     (shift_dy_q),
    .shift_dx_i     (shift_dx_q),
    .pix_valid_i    (col_valid),
    .pix_oy_i       (pix_oy_q),
    .pix_ox_i       (pix_ox_q),
    .member_valid_i (member_valid),
    .member_ch_i    (member_ch),
    .member_ky_i    (member_ky),
    .member_kx_i    (member_kx),
    .bit_idx_i      (bit_q),
    .rd_addr_o      (act_rd_addr),
    .rd_data_i      (act_rd_data),
    .lines_o        (lines)
  );

  ccsim_act_buffer #(
    .AddrW   (ActAddrW),
    .NumRead (Cols * AlphaMax),
    .WrBytes (ActWrBytes)
  ) u_act_buffer (
    .clk_i     (clk_i),
    .we_i      (act_we_i),
    .wr_addr_i (act_addr_i),
    .wr_strb_i (act_strb_i),
    .wr_data_i (act_data_i),
    .rd_addr_i (act_rd_addr),
    .rd_data_o (act_rd_data)
  );

  assign top_lines_o = lines;

  // ---- the array -------------------------------------------------------------------------------
  logic [Rows-1:0][31:0] left_psum;

  ccsim_systolic_array #(
    .Rows     (Rows),
    .Cols     (Cols),
    .DataBits (DataBits),
    .AlphaMax (AlphaMax),
    .SelBits  (SelBits)
  ) u_array (
    .clk_i         (clk_i),
    .rst_ni        (rst_ni),
    .load_valid_i  (ld_active_q),
    .load_row_i    (ld_row_q),
    .load_weight_i (load_weight),
    .load_select_i (load_select),
    .tile_start_i  (tile_start),
    .top_lines_i   (lines),
    .left_psum_i   (left_psum),
    .psum_o        (psum_o),
    .prod_o        (prod_o)
  );

  // ---- accumulator buffer, left-edge supply, right-edge capture, output stage ------------------
  logic [31:0] acc_q [Rows][2**PixW];
  logic [7:0]  out_q [2**OutAddrW];

  logic [Rows-1:0] out_we;

  for (genvar r = 0; r < Rows; r++) begin : g_edge
    logic [31:0] m;
    logic        row_in_matrix, left_take, right_take;
    logic [15:0] right_pixel;
    logic [7:0]  act;
    assign m             = 32'(rt_q) * Rows + r;
    assign row_in_matrix = m < 32'(cfg_rows_q);
    // Row r finishes a MAC slot at column 0 for pixel stage_slot[r] in this cycle.
    assign left_take     = stage_active[r] && stage_bit[r] == BitIdxW'(DataBits - 1) && stage_slot[r] < cfg_pixels_q;
    assign left_psum[r]  = !left_take ? 32'd0 :
                           (ct_q == 16'd0) ? (row_in_matrix ? bias_q[RowW'(m)] : 32'd0) :
                           acc_q[r][PixW'(stage_slot[r])];
    // Column Cols-1 of row r finished pixel stage_slot[r+1] - (Cols-1) at the last clock edge.
    logic slot_reached;  // the slot has passed the array's skew (always, with one column)
    if (Cols > 1) begin : g_skew
      assign slot_reached = stage_slot[r+1] >= 16'(Cols - 1);
    end else begin : g_no_skew
      assign slot_reached = 1'b1;
    end
    assign right_pixel   = stage_slot[r+1] - 16'(Cols - 1);
    assign right_take    = stage_active[r+1] && stage_bit[r+1] == BitIdxW'(DataBits - 1) && slot_reached &&
                           right_pixel < cfg_pixels_q;

    ccsim_requant u_requant (
      .acc_i     (psum_o[r][Cols-1]),
      .mult_i    (mult_q[RowW'(m)]),
      .shift_i   (rshift_q[RowW'(m)]),
      .act_min_i (cfg_act_min_q),
      .act_max_i (cfg_act_max_q),
      .act_o     (act)
    );

    assign out_we[r] = right_take && ct_q == cfg_col_tiles_q - 16'd1 && row_in_matrix;

    always_ff @(posedge clk_i) begin
      if (right_take) begin
        acc_q[r][PixW'(right_pixel)] <= psum_o[r][Cols-1];
      end
      if (out_we[r]) begin
        out_q[OutAddrW'(m * 32'(cfg_pixels_q) + 32'(right_pixel))] <= act;
      end
    end
  end

  assign out_data_o = out_q[out_addr_i];

  logic [31:0] out_writes_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      out_writes_q <= '0;
    end else if (take_descriptor) begin
      out_writes_q <= '0;
    end else begin
      out_writes_q <= out_writes_q + 32'($countones(out_we));
    end
  end
  assign out_writes_o = out_writes_q;
endmodule
