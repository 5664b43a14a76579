# go.cmake: the Go workloads of tests/agent/test_go.py, built with Debian's golang-go (scripts/setup
# installs it) into the build tree, offline: GOCACHE and GOPATH in the build tree, GOPROXY=off,
# GOTOOLCHAIN=local, standard library only. Without `go` they are not built and test_go fails
# saying so. gotree_stripped is linked with -s -w (no .symtab, no DWARF: names from .gopclntab),
# gotree_pie is position-independent (loaded at a random base; .data.rel.ro.gopclntab).
find_program(ARENAPROF_GO go)
set(GO_ENV ${CMAKE_COMMAND} -E env GOCACHE=${CMAKE_CURRENT_BINARY_DIR}/go-cache
    GOPATH=${CMAKE_CURRENT_BINARY_DIR}/go-path GOTOOLCHAIN=local GOPROXY=off GO111MODULE=off
    GOFLAGS= CGO_ENABLED=0)

function(go_workload name src)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${name})
  add_custom_command(OUTPUT ${out}
    COMMAND ${GO_ENV} ${ARENAPROF_GO} build ${ARGN} -o ${out} ${CMAKE_CURRENT_SOURCE_DIR}/go/${src}
    DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/go/${src}
    COMMENT "go build ${name}" VERBATIM)
  add_custom_target(${name}_go ALL DEPENDS ${out})
endfunction()

if(ARENAPROF_GO)
  go_workload(gotree gotree.go)
  go_workload(gocache gocache.go)
  go_workload(goburst goburst.go)
  go_workload(gotree_stripped gotree.go -ldflags=-s\ -w)
  go_workload(gotree_pie gotree.go -buildmode=pie)
else()
  message(STATUS "go not found: the Go workloads are not built (run scripts/setup)")
endif()
