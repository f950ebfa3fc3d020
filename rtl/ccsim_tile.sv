// One Matmul layer, or one pixel block of it, on the systolic array (hw/README.md): tile buffer, feeder with the fused shift
// unit, the R x C array, the accumulator buffer and the output stage (requantize, clamp), sequenced
// over row tiles (outer) and column tiles (inner) with double-buffered weight loads.
// Cycle for cycle the same schedule as the SystemC model's MatmulEngine (hw/matmul_engine.hpp):
// start_i begins the first weight load (R cycles), then each tile computes for
// T_compute = DataBits (P + Cols - 1) + Rows cycles while the next tile's weights load.
// A layer of any size streams through: the DMA writes each tile (weights, selects, row
// parameters, group members) into the two-slot tile buffer through the tw_* port while earlier
// tiles run, and every output activation leaves through the os_* port (one lane per array row)
// as the output stage produces it, into the output DMA (ccsim_out_dma), which writes it to memory
// at cfg_out_addr_i + row * cfg_out_stride_i + pixel through the wr_* valid/ready write port; the
// host waits for out_busy_o to fall after done_o. The stored input comes from memory: dma_start_i (while idle)
// has the DMA (ccsim_act_dma) read the band through the mem_* valid/ready read port into the
// activation buffer; the host starts the block once dma_busy_o falls. Only the stored input and
// the accumulator buffer (P <= 2^PixW) bound a run: the host splits a larger layer into pixel
// blocks (output rows; the descriptor then gives the block's pixels, its band of input rows as
// in_h and the top padding relative to the band), one start_i each; the DMA gathers a band from
// the channel-major input tensor in memory one channel segment at a time. A tile whose slot is not full when its load
// is due waits (the array idles); with the DMA in time (ccsim cosim) that never happens.
module ccsim_tile #(
  parameter int unsigned Rows       = 4,
  parameter int unsigned Cols       = 4,
  parameter int unsigned DataBits   = 8,
  parameter int unsigned AlphaMax   = 8,
  parameter int unsigned ActAddrW   = 16,   // activation input buffer: 2^ActAddrW bytes
  parameter int unsigned PixW       = 12,   // accumulator buffer: 2^PixW pixels per row
  parameter int unsigned ChW        = 12,   // input channels: up to 2^ChW
  parameter int unsigned ActWrBytes = 8,    // memory word = activation buffer write port (bytes per cycle)
  parameter int unsigned MemAddrW   = 32,   // memory byte address
  parameter int unsigned MaxPending = 4,    // DMA read requests in flight
  parameter int unsigned SelBits    = (AlphaMax > 1) ? $clog2(AlphaMax) : 1,
  parameter int unsigned KW         = (AlphaMax > 1) ? $clog2(AlphaMax) : 1,
  parameter int unsigned RowIdxW    = (Rows > 1) ? $clog2(Rows) : 1,
  parameter int unsigned TwIdxW     = (RowIdxW > KW) ? RowIdxW : KW,
  // group member: {valid, dy[1:0], dx[1:0], ky[2:0], kx[2:0], channel[ChW-1:0]}
  parameter int unsigned MemberW    = ChW + 11,
  parameter int unsigned BitIdxW    = $clog2(DataBits)
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
  input  logic signed [4:0]                  cfg_pad_top_i,    // relative to the stored band, -16 .. 15
  input  logic [3:0]                         cfg_pad_left_i,
  input  logic signed [7:0]                  cfg_act_min_i,
  input  logic signed [7:0]                  cfg_act_max_i,
  input  logic [MemAddrW-1:0]                cfg_out_addr_i,   // memory address of output row 0's first pixel
  input  logic [MemAddrW-1:0]                cfg_out_stride_i, // bytes between output rows (the layer's pixels)
  // stored input (while idle): the DMA copies dma_segs_i segments of dma_seg_bytes_i bytes, the
  // k-th from memory address dma_src_i + k dma_stride_i, into the activation buffer one after another
  input  logic                               dma_start_i,
  input  logic [MemAddrW-1:0]                dma_src_i,
  input  logic [ActAddrW:0]                  dma_seg_bytes_i,
  input  logic [ActAddrW:0]                  dma_segs_i,
  input  logic [MemAddrW-1:0]                dma_stride_i,
  output logic                               dma_busy_o,
  // memory read port of the DMA: requests, and responses in request order
  output logic                               mem_req_valid_o,
  input  logic                               mem_req_ready_i,
  output logic [MemAddrW-1:0]                mem_req_addr_o,
  input  logic                               mem_rsp_valid_i,
  input  logic [ActWrBytes-1:0][7:0]         mem_rsp_data_i,
  // memory write port of the output DMA: Bytes-wide words with byte strobes
  output logic                               wr_valid_o,
  input  logic                               wr_ready_i,
  output logic [MemAddrW-1:0]                wr_addr_o,
  output logic [ActWrBytes-1:0][7:0]         wr_data_o,
  output logic [ActWrBytes-1:0]              wr_strb_o,
  output logic                               out_busy_o,       // the output DMA still holds a word
  output logic                               out_overflow_o,   // a word was lost (memory too slow), until start_i
  // tile stream (DMA -> tile buffer), tile after tile in row-tile-outer order
  input  logic                               tw_valid_i,
  output logic                               tw_ready_o,
  input  logic                               tw_member_i,      // 0: cell row, 1: member line
  input  logic [TwIdxW-1:0]                  tw_index_i,
  input  logic                               tw_last_i,        // last write of the tile
  input  logic [Cols-1:0][7:0]               tw_weight_i,
  input  logic [Cols-1:0][SelBits-1:0]       tw_select_i,
  input  logic [31:0]                        tw_bias_i,
  input  logic [31:0]                        tw_mult_i,
  input  logic [7:0]                         tw_shift_i,
  input  logic [Cols-1:0][MemberW-1:0]       tw_members_i,
  output logic                               tb_cur_full_o,    // the slot the next tile loads from is full
  output logic                               tb_next_full_o,   // and the one after it
  // output stream (output stage -> output DMA), observed: row r's lane
  output logic [Rows-1:0]                    os_valid_o,
  output logic [Rows-1:0][15:0]              os_row_o,         // filter row m = output channel
  output logic [Rows-1:0][15:0]              os_pixel_o,
  output logic [Rows-1:0][7:0]               os_data_o,
  // control
  input  logic                               start_i,
  output logic                               busy_o,
  output logic                               done_o,
  // observation for co-simulation
  output logic [31:0]                        tile_o,
  output logic [31:0]                        tile_cycle_o,
  output logic                               computing_o,
  output logic [Cols-1:0][AlphaMax-1:0]      top_lines_o,
  output logic [Rows-1:0][Cols-1:0][31:0]    psum_o,
  output logic [Rows-1:0][Cols-1:0][31:0]    prod_o,
  output logic [31:0]                        out_writes_o  // output-stream writes since start_i
);
  typedef enum logic [2:0] {Idle, FirstLoad, Compute, WaitLoad, Done} state_e;

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
  logic signed [4:0] cfg_pad_top_q;
  logic [3:0] cfg_pad_left_q;
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
      cfg_act_min_q <= cfg_act_min_i;
      cfg_act_max_q <= cfg_act_max_i;
    end
  end

  // ---- sequencer -----------------------------------------------------------------------------
  state_e      state_q, state_d;
  logic [15:0] rt_q, rt_d, ct_q, ct_d;  // tile being computed (row tile, column tile)
  logic [31:0] t_q, t_d;                // cycle within the tile
  logic [31:0] t_compute;
  logic        last_tile, tile_start;

  // Weight loader: R consecutive cycles per tile from the tile buffer's current slot into the
  // array's shadow registers. A load is requested when the previous tile starts (or at start_i)
  // and waits (pending) while its slot is not full.
  logic               ld_active_q, ld_active_d, ld_pending_q, ld_pending_d;
  logic [RowIdxW-1:0] ld_row_q, ld_row_d;
  logic [15:0]        ld_rt_q, ld_rt_d, ld_ct_q, ld_ct_d;
  logic               ld_last_row, ld_finishing, ld_idle;
  logic [15:0]        next_rt, next_ct;
  logic               cur_full, next_full;

  assign t_compute    = DataBits * (32'(cfg_pixels_q) + Cols - 1) + Rows;
  assign last_tile    = (rt_q == cfg_row_tiles_q - 16'd1) && (ct_q == cfg_col_tiles_q - 16'd1);
  assign ld_last_row  = (ld_row_q == RowIdxW'(Rows - 1));
  assign ld_finishing = ld_active_q && ld_last_row;  // the load's last row, this cycle
  assign ld_idle      = !ld_active_q && !ld_pending_q;
  // A tile starts once its load is complete (the row loaded in the start cycle bypasses the
  // shadow registers) and the tile before it has finished.
  assign tile_start   = ((state_q == FirstLoad || state_q == WaitLoad) && ld_finishing) ||
                        (state_q == Compute && t_q == t_compute - 1 && !last_tile && (ld_idle || ld_finishing));

  // The tile after (rt, ct) in row-tile-outer order.
  function automatic logic [31:0] next_tile(logic [15:0] rt, logic [15:0] ct, logic [15:0] col_tiles);
    if (ct == col_tiles - 16'd1) return {rt + 16'd1, 16'd0};
    return {rt, ct + 16'd1};
  endfunction

  always_comb begin
    state_d      = state_q;
    rt_d         = rt_q;
    ct_d         = ct_q;
    t_d          = t_q;
    ld_active_d  = ld_active_q;
    ld_pending_d = ld_pending_q;
    ld_row_d     = ld_row_q;
    ld_rt_d      = ld_rt_q;
    ld_ct_d      = ld_ct_q;
    next_rt      = '0;
    next_ct      = '0;
    if (ld_active_q) begin
      ld_row_d = ld_row_q + 1'b1;
      if (ld_last_row) begin
        ld_active_d = 1'b0;
        ld_row_d    = '0;
      end
    end
    if (ld_pending_q && cur_full) begin  // the slot the load waited for is now full
      ld_pending_d = 1'b0;
      ld_active_d  = 1'b1;
    end
    unique case (state_q)
      Idle, Done: begin
        if (start_i) begin
          state_d      = FirstLoad;
          rt_d         = '0;
          ct_d         = '0;
          t_d          = '0;
          ld_active_d  = cur_full;
          ld_pending_d = !cur_full;
          ld_row_d     = '0;
          ld_rt_d      = '0;
          ld_ct_d      = '0;
        end
      end
      FirstLoad, WaitLoad: begin
        if (ld_finishing) begin
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
            if (!tile_start) state_d = WaitLoad;  // its weights are not in yet
          end
        end
      end
      default: state_d = Idle;
    endcase
    // Each tile start frees its slot and begins loading the tile after it, if there is one,
    // from the other slot.
    if (tile_start) begin
      {next_rt, next_ct} = next_tile(rt_d, ct_d, cfg_col_tiles_q);
      if (next_rt < cfg_row_tiles_q) begin
        ld_active_d  = next_full;
        ld_pending_d = !next_full;
        ld_row_d     = '0;
        ld_rt_d      = next_rt;
        ld_ct_d      = next_ct;
      end
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q      <= Idle;
      rt_q         <= '0;
      ct_q         <= '0;
      t_q          <= '0;
      ld_active_q  <= 1'b0;
      ld_pending_q <= 1'b0;
      ld_row_q     <= '0;
      ld_rt_q      <= '0;
      ld_ct_q      <= '0;
    end else begin
      state_q      <= state_d;
      rt_q         <= rt_d;
      ct_q         <= ct_d;
      t_q          <= t_d;
      ld_active_q  <= ld_active_d;
      ld_pending_q <= ld_pending_d;
      ld_row_q     <= ld_row_d;
      ld_rt_q      <= ld_rt_d;
      ld_ct_q      <= ld_ct_d;
    end
  end

  assign busy_o       = (state_q == FirstLoad) || (state_q == Compute) || (state_q == WaitLoad);
  assign done_o       = (state_q == Done);
  assign computing_o  = (state_q == Compute);
  assign tile_o       = 32'(rt_q) * 32'(cfg_col_tiles_q) + 32'(ct_q);
  assign tile_cycle_o = t_q;

  // ---- tile buffer -> shadow registers; members and row parameters -> active registers --------
  logic [Cols-1:0][7:0]                      tb_weight, load_weight;
  logic [Cols-1:0][SelBits-1:0]              tb_select, load_select;
  logic [Cols-1:0][AlphaMax-1:0][MemberW-1:0] tb_members;
  logic [Rows-1:0][31:0]                     tb_bias, tb_mult;
  logic [Rows-1:0][7:0]                      tb_shift;
  logic [31:0]                               ld_m;

  assign ld_m = 32'(ld_rt_q) * Rows + 32'(ld_row_q);

  ccsim_tile_buffer #(
    .Rows     (Rows),
    .Cols     (Cols),
    .AlphaMax (AlphaMax),
    .SelBits  (SelBits),
    .MemberW  (MemberW),
    .KW       (KW),
    .IdxW     (TwIdxW)
  ) u_tile_buffer (
    .clk_i        (clk_i),
    .rst_ni       (rst_ni),
    .tw_valid_i   (tw_valid_i),
    .tw_ready_o   (tw_ready_o),
    .tw_member_i  (tw_member_i),
    .tw_index_i   (tw_index_i),
    .tw_last_i    (tw_last_i),
    .tw_weight_i  (tw_weight_i),
    .tw_select_i  (tw_select_i),
    .tw_bias_i    (tw_bias_i),
    .tw_mult_i    (tw_mult_i),
    .tw_shift_i   (tw_shift_i),
    .tw_members_i (tw_members_i),
    .cur_full_o   (cur_full),
    .next_full_o  (next_full),
    .rd_row_i     (ld_row_q),
    .rd_weight_o  (tb_weight),
    .rd_select_o  (tb_select),
    .rd_members_o (tb_members),
    .rd_bias_o    (tb_bias),
    .rd_mult_o    (tb_mult),
    .rd_shift_o   (tb_shift),
    .release_i    (tile_start)
  );

  // Cells outside the filter matrix (partial tiles) hold weight 0, whatever the slot holds.
  for (genvar c = 0; c < Cols; c++) begin : g_load
    logic in_matrix;
    assign in_matrix      = (ld_m < 32'(cfg_rows_q)) && (32'(ld_ct_q) * Cols + c < 32'(cfg_groups_q));
    assign load_weight[c] = in_matrix ? tb_weight[c] : 8'd0;
    assign load_select[c] = in_matrix ? tb_select[c] : '0;
  end

  // The computing tile's group members and row parameters, taken from its slot as it starts.
  logic [Cols-1:0][AlphaMax-1:0][MemberW-1:0] members_q;
  logic [Rows-1:0][31:0]                      bias_q, mult_q;
  logic [Rows-1:0][7:0]                       rshift_q;
  always_ff @(posedge clk_i) begin
    if (tile_start) begin
      members_q <= tb_members;
      bias_q    <= tb_bias;
      mult_q    <= tb_mult;
      rshift_q  <= tb_shift;
    end
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
  logic [Cols-1:0][AlphaMax-1:0][1:0]     member_dy, member_dx;
  for (genvar c = 0; c < Cols; c++) begin : g_group
    logic [31:0] g;
    assign g            = 32'(ct_q) * Cols + c;
    assign col_valid[c] = (state_q == Compute) && pix_valid_q[c] && (g < 32'(cfg_groups_q));
    for (genvar k = 0; k < AlphaMax; k++) begin : g_member
      assign member_ch[c][k]    = members_q[c][k][ChW-1:0];
      assign member_kx[c][k]    = members_q[c][k][ChW+2:ChW];
      assign member_ky[c][k]    = members_q[c][k][ChW+5:ChW+3];
      assign member_dx[c][k]    = members_q[c][k][ChW+7:ChW+6];
      assign member_dy[c][k]    = members_q[c][k][ChW+9:ChW+8];
      assign member_valid[c][k] = members_q[c][k][ChW+10];
    end
  end

  logic [Cols-1:0][AlphaMax-1:0][ActAddrW-1:0] act_rd_addr;
  logic [Cols-1:0][AlphaMax-1:0][7:0]          act_rd_data;
  logic [Cols-1:0][AlphaMax-1:0]               lines;

  ccsim_feeder #(
    .Cols        (Cols),
    .AlphaMax    (AlphaMax),
    .DataBits    (DataBits),
    .AddrW       (ActAddrW),
    .ChW         (ChW)
  ) u_feeder (
    .in_h_i         (cfg_in_h_q),
    .in_w_i         (cfg_in_w_q),
    .stride_h_i     (cfg_stride_h_q),
    .stride_w_i     (cfg_stride_w_q),
    .pad_top_i      (cfg_pad_top_q),
    .pad_left_i     (cfg_pad_left_q),
    .pix_valid_i    (col_valid),
    .pix_oy_i       (pix_oy_q),
    .pix_ox_i       (pix_ox_q),
    .member_valid_i (member_valid),
    .member_ch_i    (member_ch),
    .member_ky_i    (member_ky),
    .member_kx_i    (member_kx),
    .member_dy_i    (member_dy),
    .member_dx_i    (member_dx),
    .bit_idx_i      (bit_q),
    .rd_addr_o      (act_rd_addr),
    .rd_data_i      (act_rd_data),
    .lines_o        (lines)
  );

  // DMA -> activation buffer write port
  logic                       act_we;
  logic [ActAddrW-1:0]        act_addr;
  logic [ActWrBytes-1:0]      act_strb;
  logic [ActWrBytes-1:0][7:0] act_data;

  ccsim_act_dma #(
    .MemAddrW   (MemAddrW),
    .ActAddrW   (ActAddrW),
    .SegW       (ActAddrW + 1),
    .Bytes      (ActWrBytes),
    .MaxPending (MaxPending)
  ) u_act_dma (
    .clk_i           (clk_i),
    .rst_ni          (rst_ni),
    .start_i         (dma_start_i),
    .src_i           (dma_src_i),
    .seg_bytes_i     (dma_seg_bytes_i),
    .segs_i          (dma_segs_i),
    .stride_i        (dma_stride_i),
    .busy_o          (dma_busy_o),
    .mem_req_valid_o (mem_req_valid_o),
    .mem_req_ready_i (mem_req_ready_i),
    .mem_req_addr_o  (mem_req_addr_o),
    .mem_rsp_valid_i (mem_rsp_valid_i),
    .mem_rsp_data_i  (mem_rsp_data_i),
    .act_we_o        (act_we),
    .act_addr_o      (act_addr),
    .act_strb_o      (act_strb),
    .act_data_o      (act_data)
  );

  ccsim_act_buffer #(
    .AddrW   (ActAddrW),
    .NumRead (Cols * AlphaMax),
    .WrBytes (ActWrBytes)
  ) u_act_buffer (
    .clk_i     (clk_i),
    .we_i      (act_we),
    .wr_addr_i (act_addr),
    .wr_strb_i (act_strb),
    .wr_data_i (act_data),
    .rd_addr_i (act_rd_addr),
    .rd_data_o (act_rd_data)
  );

  assign top_lines_o    = lines;
  assign tb_cur_full_o  = cur_full;
  assign tb_next_full_o = next_full;

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

  logic [Rows-1:0]      out_we, out_last;
  logic [Rows-1:0][7:0] out_act;

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
                           (ct_q == 16'd0) ? (row_in_matrix ? bias_q[r] : 32'd0) :
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
      .mult_i    (mult_q[r]),
      .shift_i   (rshift_q[r]),
      .act_min_i (cfg_act_min_q),
      .act_max_i (cfg_act_max_q),
      .act_o     (act)
    );

    // The last column tile's results leave through the output stream as they are requantized.
    assign out_we[r]     = right_take && ct_q == cfg_col_tiles_q - 16'd1 && row_in_matrix;
    assign os_valid_o[r] = out_we[r];
    assign os_row_o[r]   = m[15:0];
    assign os_pixel_o[r] = right_pixel;
    assign os_data_o[r]  = act;
    assign out_last[r]   = right_pixel == cfg_pixels_q - 16'd1;
    assign out_act[r]    = act;

    always_ff @(posedge clk_i) begin
      if (right_take) begin
        acc_q[r][PixW'(right_pixel)] <= psum_o[r][Cols-1];
      end
    end
  end

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

  // ---- output DMA: the output stream to memory ------------------------------------------------
  ccsim_out_dma #(
    .Lanes    (Rows),
    .MemAddrW (MemAddrW),
    .Bytes    (ActWrBytes)
  ) u_out_dma (
    .clk_i        (clk_i),
    .rst_ni       (rst_ni),
    .start_i      (take_descriptor),
    .addr_i       (cfg_out_addr_i),
    .stride_i     (cfg_out_stride_i),
    .pixels_i     (cfg_pixels_i),
    .lane_valid_i (out_we),
    .lane_last_i  (out_last),
    .lane_data_i  (out_act),
    .wr_valid_o   (wr_valid_o),
    .wr_ready_i   (wr_ready_i),
    .wr_addr_o    (wr_addr_o),
    .wr_data_o    (wr_data_o),
    .wr_strb_o    (wr_strb_o),
    .busy_o       (out_busy_o),
    .overflow_o   (out_overflow_o)
  );
endmodule
