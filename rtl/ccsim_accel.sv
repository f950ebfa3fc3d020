// The RTL accelerator ccsim cosim runs (hw/README.md, "RTL"): the layer controller (ccsim_ctrl)
// walking block descriptors in memory, the tile-stream DMA (ccsim_tw_dma) and the tile
// (ccsim_tile: tile buffer, stored-input DMA, activation buffer, feeder, array, accumulator
// buffer, output stage, output DMA). The host writes a layer's input tensor, its tile stream and
// its block descriptors to memory and pulses ctrl_start_i. The controller and the stored-input
// DMA share the memory read port (the controller reads a block's descriptor, then the DMA its
// band: never at once); the tile-stream DMA reads records through a port of its own, a record
// (one tile-buffer write) per read; the output DMA has the write port. The os_* lanes and the
// rest of the observation ports are for the co-simulation's comparison.
module ccsim_accel #(
  parameter int unsigned Rows       = 4,
  parameter int unsigned Cols       = 4,
  parameter int unsigned DataBits   = 8,
  parameter int unsigned AlphaMax   = 8,
  parameter int unsigned ActAddrW   = 16,
  parameter int unsigned PixW       = 12,
  parameter int unsigned ChW        = 12,
  parameter int unsigned MemAddrW   = 32,
  parameter int unsigned MaxPending = 4,
  parameter int unsigned SelBits    = (AlphaMax > 1) ? $clog2(AlphaMax) : 1,
  parameter int unsigned KW         = (AlphaMax > 1) ? $clog2(AlphaMax) : 1,
  parameter int unsigned RowIdxW    = (Rows > 1) ? $clog2(Rows) : 1,
  parameter int unsigned TwIdxW     = (RowIdxW > KW) ? RowIdxW : KW,
  parameter int unsigned MemberW    = ChW + 11,
  // tile-stream record (ccsim_tw_dma): header, then a cell row or a member line
  parameter int unsigned TwHdrW     = 2 + TwIdxW,
  parameter int unsigned TwCellW    = Cols * (8 + SelBits) + 72,
  parameter int unsigned TwRecW     = TwHdrW + ((TwCellW > Cols * MemberW) ? TwCellW : Cols * MemberW),
  parameter int unsigned TwRecBytes = (TwRecW + 63) / 64 * 8
) (
  input  logic                               clk_i,
  input  logic                               rst_ni,
  // host: the chain of block descriptors of a layer
  input  logic                               ctrl_start_i,
  input  logic [MemAddrW-1:0]                ctrl_desc_addr_i,
  output logic                               ctrl_busy_o,
  output logic                               ctrl_error_o,
  output logic [15:0]                        ctrl_blocks_o,
  // memory read port (descriptors, stored input): requests, and responses in request order
  output logic                               mem_req_valid_o,
  input  logic                               mem_req_ready_i,
  output logic [MemAddrW-1:0]                mem_req_addr_o,
  input  logic                               mem_rsp_valid_i,
  input  logic [7:0][7:0]                    mem_rsp_data_i,
  // memory write port (outputs)
  output logic                               wr_valid_o,
  input  logic                               wr_ready_i,
  output logic [MemAddrW-1:0]                wr_addr_o,
  output logic [7:0][7:0]                    wr_data_o,
  output logic [7:0]                         wr_strb_o,
  // tile-stream read port: one TwRecBytes record per read, responses in request order
  output logic                               ts_req_valid_o,
  input  logic                               ts_req_ready_i,
  output logic [MemAddrW-1:0]                ts_req_addr_o,
  input  logic                               ts_rsp_valid_i,
  input  logic [8*TwRecBytes-1:0]            ts_rsp_data_i,
  // observation
  output logic                               tile_start_o,     // the controller starts a block (next edge)
  output logic                               dma_busy_o,
  output logic                               ts_busy_o,
  output logic                               out_busy_o,
  output logic                               out_overflow_o,
  output logic [Rows-1:0]                    os_valid_o,
  output logic [Rows-1:0][15:0]              os_row_o,
  output logic [Rows-1:0][15:0]              os_pixel_o,
  output logic [Rows-1:0][7:0]               os_data_o,
  output logic                               busy_o,
  output logic                               done_o,
  output logic [31:0]                        tile_o,
  output logic [31:0]                        tile_cycle_o,
  output logic                               computing_o,
  output logic [Cols-1:0][AlphaMax-1:0]      top_lines_o,
  output logic [Rows-1:0][Cols-1:0][31:0]    psum_o,
  output logic [Rows-1:0][Cols-1:0][31:0]    prod_o,
  output logic [31:0]                        out_writes_o
);
  logic [15:0]          cfg_rows, cfg_groups, cfg_row_tiles, cfg_col_tiles, cfg_pixels;
  logic [11:0]          cfg_out_w, cfg_in_h, cfg_in_w;
  logic [3:0]           cfg_stride_h, cfg_stride_w, cfg_pad_left;
  logic signed [4:0]    cfg_pad_top;
  logic signed [7:0]    cfg_act_min, cfg_act_max;
  logic [MemAddrW-1:0]  cfg_out_addr, cfg_out_stride, dma_src, dma_stride;
  logic [ActAddrW:0]    dma_seg_bytes, dma_segs;
  logic                 dma_start, tile_start, tb_cur_full, tb_next_full;
  logic [MemAddrW-1:0]  ts_addr;
  logic [31:0]          ts_records;
  // tile stream: DMA -> tile buffer
  logic                         tw_valid, tw_ready, tw_member, tw_last;
  logic [TwIdxW-1:0]            tw_index;
  logic [Cols-1:0][7:0]         tw_weight;
  logic [Cols-1:0][SelBits-1:0] tw_select;
  logic [31:0]                  tw_bias, tw_mult;
  logic [7:0]                   tw_shift;
  logic [Cols-1:0][MemberW-1:0] tw_members;

  // The read port: the controller's while it fetches a descriptor, the DMA's otherwise.
  logic                 fetching;
  logic                 ctrl_req_valid, dma_req_valid;
  logic [MemAddrW-1:0]  ctrl_req_addr, dma_req_addr;
  assign mem_req_valid_o = fetching ? ctrl_req_valid : dma_req_valid;
  assign mem_req_addr_o  = fetching ? ctrl_req_addr : dma_req_addr;

  ccsim_ctrl #(
    .MemAddrW   (MemAddrW),
    .ActAddrW   (ActAddrW),
    .PixW       (PixW),
    .AlphaMax   (AlphaMax),
    .MaxPending (MaxPending)
  ) u_ctrl (
    .clk_i            (clk_i),
    .rst_ni           (rst_ni),
    .start_i          (ctrl_start_i),
    .desc_addr_i      (ctrl_desc_addr_i),
    .busy_o           (ctrl_busy_o),
    .error_o          (ctrl_error_o),
    .blocks_o         (ctrl_blocks_o),
    .mem_req_valid_o  (ctrl_req_valid),
    .mem_req_ready_i  (mem_req_ready_i && fetching),
    .mem_req_addr_o   (ctrl_req_addr),
    .mem_rsp_valid_i  (mem_rsp_valid_i && fetching),
    .mem_rsp_data_i   (mem_rsp_data_i),
    .fetching_o       (fetching),
    .cfg_rows_o       (cfg_rows),
    .cfg_groups_o     (cfg_groups),
    .cfg_row_tiles_o  (cfg_row_tiles),
    .cfg_col_tiles_o  (cfg_col_tiles),
    .cfg_pixels_o     (cfg_pixels),
    .cfg_out_w_o      (cfg_out_w),
    .cfg_in_h_o       (cfg_in_h),
    .cfg_in_w_o       (cfg_in_w),
    .cfg_stride_h_o   (cfg_stride_h),
    .cfg_stride_w_o   (cfg_stride_w),
    .cfg_pad_top_o    (cfg_pad_top),
    .cfg_pad_left_o   (cfg_pad_left),
    .cfg_act_min_o    (cfg_act_min),
    .cfg_act_max_o    (cfg_act_max),
    .cfg_out_addr_o   (cfg_out_addr),
    .cfg_out_stride_o (cfg_out_stride),
    .dma_src_o        (dma_src),
    .dma_seg_bytes_o  (dma_seg_bytes),
    .dma_segs_o       (dma_segs),
    .dma_stride_o     (dma_stride),
    .tw_addr_o        (ts_addr),
    .tw_records_o     (ts_records),
    .dma_start_o      (dma_start),
    .dma_busy_i       (dma_busy_o),
    .tw_busy_i        (ts_busy_o),
    .tb_cur_full_i    (tb_cur_full),
    .tb_next_full_i   (tb_next_full),
    .tile_start_o     (tile_start),
    .tile_done_i      (done_o),
    .out_busy_i       (out_busy_o)
  );
  assign tile_start_o = tile_start;

  ccsim_tw_dma #(
    .Cols       (Cols),
    .SelBits    (SelBits),
    .MemberW    (MemberW),
    .IdxW       (TwIdxW),
    .MemAddrW   (MemAddrW),
    .MaxPending (MaxPending)
  ) u_tw_dma (
    .clk_i           (clk_i),
    .rst_ni          (rst_ni),
    .start_i         (dma_start),
    .addr_i          (ts_addr),
    .records_i       (ts_records),
    .busy_o          (ts_busy_o),
    .mem_req_valid_o (ts_req_valid_o),
    .mem_req_ready_i (ts_req_ready_i),
    .mem_req_addr_o  (ts_req_addr_o),
    .mem_rsp_valid_i (ts_rsp_valid_i),
    .mem_rsp_data_i  (ts_rsp_data_i),
    .tw_valid_o      (tw_valid),
    .tw_ready_i      (tw_ready),
    .tw_member_o     (tw_member),
    .tw_index_o      (tw_index),
    .tw_last_o       (tw_last),
    .tw_weight_o     (tw_weight),
    .tw_select_o     (tw_select),
    .tw_bias_o       (tw_bias),
    .tw_mult_o       (tw_mult),
    .tw_shift_o      (tw_shift),
    .tw_members_o    (tw_members)
  );

  ccsim_tile #(
    .Rows       (Rows),
    .Cols       (Cols),
    .DataBits   (DataBits),
    .AlphaMax   (AlphaMax),
    .ActAddrW   (ActAddrW),
    .PixW       (PixW),
    .ChW        (ChW),
    .ActWrBytes (8),
    .MemAddrW   (MemAddrW),
    .MaxPending (MaxPending)
  ) u_tile (
    .clk_i            (clk_i),
    .rst_ni           (rst_ni),
    .cfg_rows_i       (cfg_rows),
    .cfg_groups_i     (cfg_groups),
    .cfg_row_tiles_i  (cfg_row_tiles),
    .cfg_col_tiles_i  (cfg_col_tiles),
    .cfg_pixels_i     (cfg_pixels),
    .cfg_out_w_i      (cfg_out_w),
    .cfg_in_h_i       (cfg_in_h),
    .cfg_in_w_i       (cfg_in_w),
    .cfg_stride_h_i   (cfg_stride_h),
    .cfg_stride_w_i   (cfg_stride_w),
    .cfg_pad_top_i    (cfg_pad_top),
    .cfg_pad_left_i   (cfg_pad_left),
    .cfg_act_min_i    (cfg_act_min),
    .cfg_act_max_i    (cfg_act_max),
    .cfg_out_addr_i   (cfg_out_addr),
    .cfg_out_stride_i (cfg_out_stride),
    .dma_start_i      (dma_start),
    .dma_src_i        (dma_src),
    .dma_seg_bytes_i  (dma_seg_bytes),
    .dma_segs_i       (dma_segs),
    .dma_stride_i     (dma_stride),
    .dma_busy_o       (dma_busy_o),
    .mem_req_valid_o  (dma_req_valid),
    .mem_req_ready_i  (mem_req_ready_i && !fetching),
    .mem_req_addr_o   (dma_req_addr),
    .mem_rsp_valid_i  (mem_rsp_valid_i && !fetching),
    .mem_rsp_data_i   (mem_rsp_data_i),
    .wr_valid_o       (wr_valid_o),
    .wr_ready_i       (wr_ready_i),
    .wr_addr_o        (wr_addr_o),
    .wr_data_o        (wr_data_o),
    .wr_strb_o        (wr_strb_o),
    .out_busy_o       (out_busy_o),
    .out_overflow_o   (out_overflow_o),
    .tw_valid_i       (tw_valid),
    .tw_ready_o       (tw_ready),
    .tw_member_i      (tw_member),
    .tw_index_i       (tw_index),
    .tw_last_i        (tw_last),
    .tw_weight_i      (tw_weight),
    .tw_select_i      (tw_select),
    .tw_bias_i        (tw_bias),
    .tw_mult_i        (tw_mult),
    .tw_shift_i       (tw_shift),
    .tw_members_i     (tw_members),
    .tb_cur_full_o    (tb_cur_full),
    .tb_next_full_o   (tb_next_full),
    .os_valid_o       (os_valid_o),
    .os_row_o         (os_row_o),
    .os_pixel_o       (os_pixel_o),
    .os_data_o        (os_data_o),
    .start_i          (tile_start),
    .busy_o           (busy_o),
    .done_o           (done_o),
    .tile_o           (tile_o),
    .tile_cycle_o     (tile_cycle_o),
    .computing_o      (computing_o),
    .top_lines_o      (top_lines_o),
    .psum_o           (psum_o),
    .prod_o           (prod_o),
    .out_writes_o     (out_writes_o)
  );
endmodule
