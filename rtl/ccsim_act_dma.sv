// Stored-input DMA (hw/README.md, "RTL"): copies a block's band of the layer input from memory
// into the activation buffer, from its byte 0, through a valid/ready read port. The band is
// segs_i segments of seg_bytes_i bytes, segment k starting at byte address src_i + k stride_i (any
// alignment): with the layer input as a channel-major tensor in memory, segment k is channel k's
// rows of the band (stride = H W), and segment k lands at buffer byte k seg_bytes_i. start_i
// (while idle) takes the command (at most 2^ActAddrW bytes in all); the DMA requests each
// Bytes-aligned word a segment touches, one per accepted request (mem_req_valid_o &&
// mem_req_ready_i), at most MaxPending in flight, and writes each response word (mem_rsp_valid_i,
// in request order, at the earliest one cycle after its request was accepted) to the buffer as it
// arrives: at buffer address (the word's place relative to the segment), with only the segment's
// bytes enabled (the buffer's write port takes any byte address). busy_o stays high from start_i
// until the last response is written. A memory answering L cycles after a request gives
// min(1, MaxPending / (L + 1)) words per cycle (a slot frees the cycle after its response).
module ccsim_act_dma #(
  parameter int unsigned MemAddrW   = 32,  // memory byte address
  parameter int unsigned ActAddrW   = 16,  // activation buffer: 2^ActAddrW bytes
  parameter int unsigned SegW       = 16,  // segment count field
  parameter int unsigned Bytes      = 8,   // memory word = activation buffer write port (a power of 2, >= 2)
  parameter int unsigned MaxPending = 4    // read requests in flight
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,
  // command (while idle)
  input  logic                   start_i,
  input  logic [MemAddrW-1:0]    src_i,        // byte address of segment 0
  input  logic [ActAddrW:0]      seg_bytes_i,  // bytes per segment, 0 .. 2^ActAddrW
  input  logic [SegW-1:0]        segs_i,       // segments
  input  logic [MemAddrW-1:0]    stride_i,     // bytes from one segment's start to the next
  output logic                   busy_o,
  // memory read port: requests, and responses in request order
  output logic                   mem_req_valid_o,
  input  logic                   mem_req_ready_i,
  output logic [MemAddrW-1:0]    mem_req_addr_o,
  input  logic                   mem_rsp_valid_i,
  input  logic [Bytes-1:0][7:0]  mem_rsp_data_i,
  // activation buffer write port
  output logic                   act_we_o,
  output logic [ActAddrW-1:0]    act_addr_o,
  output logic [Bytes-1:0]       act_strb_o,
  output logic [Bytes-1:0][7:0]  act_data_o
);
  localparam int unsigned ByteIdxW = $clog2(Bytes);
  localparam int unsigned CountW   = ActAddrW + 1;
  localparam int unsigned PendingW = $clog2(MaxPending + 1);

  // The command.
  logic                busy_q;
  logic [CountW-1:0]   seg_bytes_q;
  logic [SegW-1:0]     segs_q;
  logic [MemAddrW-1:0] stride_q;
  logic [PendingW-1:0] pending_q;

  // Two walks over the same (segment, word) sequence: one issues the requests, one places the
  // responses (they arrive in request order). Per walk: the segment, its source address, its
  // place in the buffer and the word within it.
  logic [SegW-1:0]     req_seg_q, rsp_seg_q;
  logic [MemAddrW-1:0] req_src_q, rsp_src_q;
  logic [CountW-1:0]   rsp_dst_q;
  logic [CountW-1:0]   req_word_q, rsp_word_q;

  // Words segment s touches: ((s mod Bytes) + n - 1) / Bytes + 1; the walk's last is that - 1.
  function automatic logic [CountW-1:0] last_word(logic [ByteIdxW-1:0] offset, logic [CountW-1:0] n);
    logic [CountW:0] span;
    span = (CountW + 1)'(offset) + (CountW + 1)'(n) - 1'b1;
    return CountW'(span >> ByteIdxW);
  endfunction

  logic req_more, req_take, rsp_take, req_seg_end, rsp_seg_end, last_rsp;
  assign req_more        = busy_q && req_seg_q < segs_q;
  assign mem_req_valid_o = req_more && pending_q < PendingW'(MaxPending);
  assign req_take        = mem_req_valid_o && mem_req_ready_i;
  assign rsp_take        = busy_q && mem_rsp_valid_i && pending_q != '0;
  assign req_seg_end     = req_word_q == last_word(req_src_q[ByteIdxW-1:0], seg_bytes_q);
  assign rsp_seg_end     = rsp_word_q == last_word(rsp_src_q[ByteIdxW-1:0], seg_bytes_q);
  assign last_rsp        = rsp_take && rsp_seg_end && rsp_seg_q == segs_q - 1'b1;
  assign mem_req_addr_o  = {req_src_q[MemAddrW-1:ByteIdxW], ByteIdxW'(0)} +
                           (MemAddrW'(req_word_q) << ByteIdxW);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q      <= 1'b0;
      seg_bytes_q <= '0;
      segs_q      <= '0;
      stride_q    <= '0;
      pending_q   <= '0;
      req_seg_q   <= '0;
      req_src_q   <= '0;
      req_word_q  <= '0;
      rsp_seg_q   <= '0;
      rsp_src_q   <= '0;
      rsp_dst_q   <= '0;
      rsp_word_q  <= '0;
    end else if (start_i && !busy_q) begin
      busy_q      <= seg_bytes_i != '0 && segs_i != '0;
      seg_bytes_q <= seg_bytes_i;
      segs_q      <= segs_i;
      stride_q    <= stride_i;
      pending_q   <= '0;
      req_seg_q   <= '0;
      req_src_q   <= src_i;
      req_word_q  <= '0;
      rsp_seg_q   <= '0;
      rsp_src_q   <= src_i;
      rsp_dst_q   <= '0;
      rsp_word_q  <= '0;
    end else begin
      if (req_take) begin
        if (req_seg_end) begin
          req_seg_q  <= req_seg_q + 1'b1;
          req_src_q  <= req_src_q + stride_q;
          req_word_q <= '0;
        end else begin
          req_word_q <= req_word_q + 1'b1;
        end
      end
      if (rsp_take) begin
        if (rsp_seg_end) begin
          rsp_seg_q  <= rsp_seg_q + 1'b1;
          rsp_src_q  <= rsp_src_q + stride_q;
          rsp_dst_q  <= rsp_dst_q + seg_bytes_q;
          rsp_word_q <= '0;
        end else begin
          rsp_word_q <= rsp_word_q + 1'b1;
        end
      end
      pending_q <= pending_q + PendingW'(req_take) - PendingW'(rsp_take);
      if (last_rsp) busy_q <= 1'b0;
    end
  end

  assign busy_o = busy_q;

  // Response word w of a segment starting at byte offset o within its first word holds segment
  // bytes [w Bytes - o, (w + 1) Bytes - o): written at buffer address dst + w Bytes - o (modulo the
  // buffer; the bytes before the segment are not enabled), byte b enabled when
  // o <= w Bytes + b < o + n.
  logic [CountW-1:0] offset, word_first;
  assign offset     = CountW'(rsp_src_q[ByteIdxW-1:0]);
  assign word_first = rsp_word_q << ByteIdxW;
  assign act_we_o   = rsp_take;
  assign act_addr_o = ActAddrW'(rsp_dst_q + word_first - offset);
  assign act_data_o = mem_rsp_data_i;
  for (genvar b = 0; b < Bytes; b++) begin : g_strobe
    logic [CountW:0] at;
    assign at            = (CountW + 1)'(word_first) + (CountW + 1)'(b);
    assign act_strb_o[b] = at >= (CountW + 1)'(offset) && at < (CountW + 1)'(offset) + (CountW + 1)'(seg_bytes_q);
  end
endmodule
