# go_binary.cmake: unit test of the Go executable readers (agent/probes/go_binary.c,
# agent/symbolize/gopclntab.c), the symbolizer on Go binaries and the refusal of return probes on Go code, against the Go workloads
# (tests/workloads/go/go.cmake). Included from tests/unit/CMakeLists.txt.
add_executable(test_go_binary ${CMAKE_CURRENT_LIST_DIR}/test_go_binary.c)
target_link_libraries(test_go_binary PRIVATE ap_agent)
set(GO_WL ${CMAKE_BINARY_DIR}/tests/workloads)
add_test(NAME go_binary
  COMMAND test_go_binary ${GO_WL}/gotree ${GO_WL}/gotree_stripped
          ${CMAKE_SOURCE_DIR}/tests/workloads/go/gotree.go)
