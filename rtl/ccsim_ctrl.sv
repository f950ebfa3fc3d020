// Layer controller (hw/README.md, "Controller"): walks a chain of block descriptors in memory and
// runs each block on the tile. For every block it reads the block's DescWords 8-byte descriptor
// words through the memory read port (which it shares with the stored-input DMA: the two never
// read at once), checks them, starts the DMA's gather of the block's band and the tile-stream
// DMA's read of its tiles, waits until the band is in and the tile buffer holds the block's first
// two tiles (its only one, for a one-tile block), starts the tile, and waits until the tile is
// done, the whole stream was read and the output DMA has written its last word. The descriptor after a block's is the next one in memory, up to the one marked last.
// Descriptor word layout (little-endian 64-bit words, fields from bit 0):
//   w0: rows[15:0] groups[31:16] row_tiles[47:32] col_tiles[63:48]
//   w1: pixels[15:0] out_w[27:16] in_h[39:28] in_w[51:40] stride_h[55:52] stride_w[59:56] pad_left[63:60]
//   w2: pad_top[4:0] (signed) act_min[15:8] act_max[23:16] last[63]
//   w3: out_addr[31:0] out_stride[63:32]
//   w4: band_src[31:0] band_stride[63:32]
//   w5: stream_addr[31:0] stream_records[63:32]
//   w6: band_seg_bytes[31:0] band_segs[63:32]
// A descriptor the tile cannot run (a band larger than the activation buffer, more pixels than
// the accumulator buffer, no row or column tiles, a tile stream of another length than the
// blocks' tiles take: col_tiles (rows + row_tiles AlphaMax) records) stops the walk with error_o up until the next
// start_i; nothing of that block runs.
module ccsim_ctrl #(
  parameter int unsigned MemAddrW   = 32,  // <= 32: descriptor addresses are 32-bit fields
  parameter int unsigned ActAddrW   = 16,
  parameter int unsigned PixW       = 12,
  parameter int unsigned AlphaMax   = 8,
  parameter int unsigned MaxPending = 4
) (
  input  logic                      clk_i,
  input  logic                      rst_ni,
  // host
  input  logic                      start_i,       // while idle: walk the chain from desc_addr_i
  input  logic [MemAddrW-1:0]       desc_addr_i,   // 8-byte aligned
  output logic                      busy_o,
  output logic                      error_o,
  output logic [15:0]               blocks_o,      // blocks started since start_i
  // memory read port (descriptor fetch)
  output logic                      mem_req_valid_o,
  input  logic                      mem_req_ready_i,
  output logic [MemAddrW-1:0]       mem_req_addr_o,
  input  logic                      mem_rsp_valid_i,
  input  logic [63:0]               mem_rsp_data_i,
  output logic                      fetching_o,    // owns the read port (its responses are ours)
  // the block's descriptor, to the tile and its DMAs
  output logic [15:0]               cfg_rows_o,
  output logic [15:0]               cfg_groups_o,
  output logic [15:0]               cfg_row_tiles_o,
  output logic [15:0]               cfg_col_tiles_o,
  output logic [15:0]               cfg_pixels_o,
  output logic [11:0]               cfg_out_w_o,
  output logic [11:0]               cfg_in_h_o,
  output logic [11:0]               cfg_in_w_o,
  output logic [3:0]                cfg_stride_h_o,
  output logic [3:0]                cfg_stride_w_o,
  output logic signed [4:0]         cfg_pad_top_o,
  output logic [3:0]                cfg_pad_left_o,
  output logic signed [7:0]         cfg_act_min_o,
  output logic signed [7:0]         cfg_act_max_o,
  output logic [MemAddrW-1:0]       cfg_out_addr_o,
  output logic [MemAddrW-1:0]       cfg_out_stride_o,
  output logic [MemAddrW-1:0]       dma_src_o,
  output logic [ActAddrW:0]         dma_seg_bytes_o,
  output logic [ActAddrW:0]         dma_segs_o,
  output logic [MemAddrW-1:0]       dma_stride_o,
  output logic [MemAddrW-1:0]       tw_addr_o,
  output logic [31:0]               tw_records_o,
  // sequencing
  output logic                      dma_start_o,     // both DMAs: the band and the tile stream
  input  logic                      dma_busy_i,
  input  logic                      tw_busy_i,
  input  logic                      tb_cur_full_i,   // tile buffer: the slot the next tile loads from
  input  logic                      tb_next_full_i,  // and the one after it
  output logic                      tile_start_o,
  input  logic                      tile_done_i,
  input  logic                      out_busy_i
);
  typedef enum logic [2:0] {Idle, Fetch, StartDma, WaitInput, StartTile, WaitTile, Error} state_e;
  localparam int unsigned DescWords = 7;  // the layout above; the band's size (w6) comes last
  localparam int unsigned WordW = (DescWords > 1) ? $clog2(DescWords + 1) : 1;
  localparam int unsigned PendW = $clog2(MaxPending + 1);

  state_e                         state_q, state_d;
  logic [DescWords-1:0][63:0]     desc_q;
  logic [MemAddrW-1:0]            addr_q;        // the descriptor being read or run
  logic [WordW-1:0]               req_q, rsp_q;  // its words requested, answered
  logic [PendW-1:0]               pending_q;
  logic [15:0]                    blocks_q;
  logic                           req_take, rsp_take, last_word;

  assign fetching_o      = state_q == Fetch;
  assign mem_req_valid_o = fetching_o && req_q < WordW'(DescWords) && pending_q < PendW'(MaxPending);
  assign mem_req_addr_o  = addr_q + MemAddrW'(8 * 32'(req_q));
  assign req_take        = mem_req_valid_o && mem_req_ready_i;
  assign rsp_take        = fetching_o && mem_rsp_valid_i && pending_q != '0;
  assign last_word       = rsp_take && rsp_q == WordW'(DescWords - 1);

  // The descriptor's fields.
  assign cfg_rows_o       = desc_q[0][15:0];
  assign cfg_groups_o     = desc_q[0][31:16];
  assign cfg_row_tiles_o  = desc_q[0][47:32];
  assign cfg_col_tiles_o  = desc_q[0][63:48];
  assign cfg_pixels_o     = desc_q[1][15:0];
  assign cfg_out_w_o      = desc_q[1][27:16];
  assign cfg_in_h_o       = desc_q[1][39:28];
  assign cfg_in_w_o       = desc_q[1][51:40];
  assign cfg_stride_h_o   = desc_q[1][55:52];
  assign cfg_stride_w_o   = desc_q[1][59:56];
  assign cfg_pad_left_o   = desc_q[1][63:60];
  assign cfg_pad_top_o    = desc_q[2][4:0];
  assign cfg_act_min_o    = desc_q[2][15:8];
  assign cfg_act_max_o    = desc_q[2][23:16];
  assign cfg_out_addr_o   = MemAddrW'(desc_q[3][31:0]);
  assign cfg_out_stride_o = MemAddrW'(desc_q[3][63:32]);
  assign dma_src_o        = MemAddrW'(desc_q[4][31:0]);
  assign dma_stride_o     = MemAddrW'(desc_q[4][63:32]);
  assign tw_addr_o        = MemAddrW'(desc_q[5][31:0]);
  assign tw_records_o     = desc_q[5][63:32];
  assign dma_seg_bytes_o  = desc_q[6][ActAddrW:0];
  assign dma_segs_o       = desc_q[6][32+ActAddrW:32];

  logic last_block, single_tile, weights_ready;
  assign last_block    = desc_q[2][63];
  assign single_tile   = cfg_row_tiles_o == 16'd1 && cfg_col_tiles_o == 16'd1;
  assign weights_ready = tb_cur_full_i && (single_tile || tb_next_full_i);

  // What the tile cannot run, checked as the last word (w6, the band's size) comes in.
  logic [63:0] band_bytes, stream_records;
  logic        bad_descriptor;
  assign band_bytes     = 64'(mem_rsp_data_i[31:0]) * 64'(mem_rsp_data_i[63:32]);
  assign stream_records = 64'(cfg_col_tiles_o) * (64'(cfg_rows_o) + 64'(cfg_row_tiles_o) * 64'(AlphaMax));
  assign bad_descriptor = band_bytes > 64'(2 ** ActAddrW) || 32'(cfg_pixels_o) > 32'(2 ** PixW) ||
                          cfg_row_tiles_o == 16'd0 || cfg_col_tiles_o == 16'd0 ||
                          64'(tw_records_o) != stream_records;

  always_comb begin
    state_d = state_q;
    unique case (state_q)
      Idle, Error: if (start_i) state_d = Fetch;
      Fetch:       if (last_word) state_d = bad_descriptor ? Error : StartDma;
      StartDma:    state_d = WaitInput;
      WaitInput:   if (!dma_busy_i && weights_ready) state_d = StartTile;
      StartTile:   state_d = WaitTile;
      WaitTile:    if (tile_done_i && !tw_busy_i && !out_busy_i) state_d = last_block ? Idle : Fetch;
      default:     state_d = Idle;
    endcase
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      state_q   <= Idle;
      desc_q    <= '0;
      addr_q    <= '0;
      req_q     <= '0;
      rsp_q     <= '0;
      pending_q <= '0;
      blocks_q  <= '0;
    end else begin
      state_q <= state_d;
      if ((state_q == Idle || state_q == Error) && start_i) begin
        addr_q   <= desc_addr_i;
        req_q    <= '0;
        rsp_q    <= '0;
        blocks_q <= '0;
      end
      if (req_take) req_q <= req_q + 1'b1;
      pending_q <= pending_q + PendW'(req_take) - PendW'(rsp_take);
      if (rsp_take) begin
        desc_q[rsp_q] <= mem_rsp_data_i;
        rsp_q         <= rsp_q + 1'b1;
      end
      if (state_q == StartTile) blocks_q <= blocks_q + 16'd1;
      if (state_q == WaitTile && state_d == Fetch) begin  // on to the next descriptor
        addr_q <= addr_q + MemAddrW'(8 * DescWords);
        req_q  <= '0;
        rsp_q  <= '0;
      end
    end
  end

  assign busy_o       = state_q != Idle && state_q != Error;
  assign error_o      = state_q == Error;
  assign blocks_o     = blocks_q;
  assign dma_start_o  = state_q == StartDma;
  assign tile_start_o = state_q == StartTile;
endmodule
