// Stored-input DMA (hw/README.md, "RTL"): copies a block's band of the layer input from memory
// into the activation buffer, from its byte 0, through a valid/ready read port. start_i (while
// idle) takes the source address (Bytes-aligned; the low bits are ignored) and the byte count (at
// most 2^ActAddrW); the DMA requests one Bytes-wide word per accepted request (mem_req_valid_o &&
// mem_req_ready_i), at most MaxPending in flight, and writes each response word (mem_rsp_valid_i,
// in request order, at the earliest one cycle after its request was accepted) to the buffer as it
// arrives, the last one with only the band's remaining bytes enabled. busy_o stays high from
// start_i until the last response is written. A memory answering L cycles after a request gives
// min(1, MaxPending / (L + 1)) words per cycle (a slot frees the cycle after its response).
module ccsim_act_dma #(
  parameter int unsigned MemAddrW   = 32,  // memory byte address
  parameter int unsigned ActAddrW   = 16,  // activation buffer: 2^ActAddrW bytes
  parameter int unsigned Bytes      = 8,   // memory word = activation buffer write port (a power of 2, >= 2)
  parameter int unsigned MaxPending = 4    // read requests in flight
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,
  // command (while idle)
  input  logic                   start_i,
  input  logic [MemAddrW-1:0]    src_i,
  input  logic [ActAddrW:0]      bytes_i,   // 0 .. 2^ActAddrW
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

  logic                         busy_q;
  logic [MemAddrW-ByteIdxW-1:0] src_word_q;  // the source's word address
  logic [CountW-1:0]   bytes_q, words_q, req_q, rsp_q;
  logic [PendingW-1:0] pending_q;
  logic                req_take, rsp_take, last_rsp;

  assign mem_req_valid_o = busy_q && req_q < words_q && pending_q < PendingW'(MaxPending);
  assign req_take        = mem_req_valid_o && mem_req_ready_i;
  assign rsp_take        = busy_q && mem_rsp_valid_i && pending_q != '0;
  assign last_rsp        = rsp_take && rsp_q == words_q - 1'b1;
  assign mem_req_addr_o  = {src_word_q + (MemAddrW - ByteIdxW)'(req_q), ByteIdxW'(0)};

  logic unused_src_low;  // an aligned source: its byte offset within the word is ignored
  assign unused_src_low = ^src_i[ByteIdxW-1:0];

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q     <= 1'b0;
      src_word_q <= '0;
      bytes_q    <= '0;
      words_q    <= '0;
      req_q      <= '0;
      rsp_q      <= '0;
      pending_q  <= '0;
    end else if (start_i && !busy_q) begin
      busy_q     <= bytes_i != '0;
      src_word_q <= src_i[MemAddrW-1:ByteIdxW];
      bytes_q    <= bytes_i;
      words_q    <= CountW'((bytes_i + CountW'(Bytes - 1)) >> ByteIdxW);
      req_q      <= '0;
      rsp_q      <= '0;
      pending_q  <= '0;
    end else begin
      if (req_take) req_q <= req_q + 1'b1;
      if (rsp_take) rsp_q <= rsp_q + 1'b1;
      pending_q <= pending_q + PendingW'(req_take) - PendingW'(rsp_take);
      if (last_rsp) busy_q <= 1'b0;
    end
  end

  assign busy_o = busy_q;

  // Response k goes to bytes [k Bytes, (k + 1) Bytes) of the buffer, the band's tail only.
  logic [CountW-1:0] first_byte, left;
  assign first_byte = rsp_q << ByteIdxW;
  assign left       = bytes_q - first_byte;
  assign act_we_o   = rsp_take;
  assign act_addr_o = first_byte[ActAddrW-1:0];
  assign act_data_o = mem_rsp_data_i;
  for (genvar b = 0; b < Bytes; b++) begin : g_strobe
    assign act_strb_o[b] = left > CountW'(b);
  end
endmodule
