// libsystemc refers to sc_main; test binaries use GoogleTest's main and start SystemC themselves.
extern "C" int sc_main(int /*argc*/, char** /*argv*/) { return 2; }
