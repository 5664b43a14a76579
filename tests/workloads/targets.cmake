# targets.cmake: the hard targets of tests/agent/test_targets.py: known_sites linked statically,
# against jemalloc / tcmalloc / mimalloc, and stripped; a forking and an exec'ing workload.
# Included from CMakeLists.txt (uses its workload() function: targets are never sanitized).

# Static: the allocator is glibc's, inside the executable.
add_executable(known_sites_static known_sites.c)
target_compile_options(known_sites_static PRIVATE -O2 -g -fomit-frame-pointer)
target_link_options(known_sites_static PRIVATE -static)
target_link_libraries(known_sites_static PRIVATE Threads::Threads)
workload(known_sites_static)

# Other allocators, linked in (Debian packages, scripts/setup installs them). A missing library
# leaves its workload unbuilt; its test then fails saying so.
foreach(alloc jemalloc tcmalloc_minimal mimalloc)
  find_library(ARENAPROF_LIB_${alloc} NAMES ${alloc})
  if(ARENAPROF_LIB_${alloc})
    add_executable(known_sites_${alloc} known_sites.c)
    target_compile_options(known_sites_${alloc} PRIVATE -O2 -g -fomit-frame-pointer)
    target_link_options(known_sites_${alloc} PRIVATE -Wl,--no-as-needed)
    target_link_libraries(known_sites_${alloc} PRIVATE ${ARENAPROF_LIB_${alloc}} Threads::Threads)
    workload(known_sites_${alloc})
  else()
    message(STATUS "lib${alloc} not found: known_sites_${alloc} not built (run scripts/setup)")
  endif()
endforeach()

# Stripped: no .symtab, no debug info; .eh_frame and .dynsym stay.
add_custom_command(OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/known_sites_stripped
  COMMAND ${CMAKE_STRIP} --strip-all -o ${CMAKE_CURRENT_BINARY_DIR}/known_sites_stripped
          $<TARGET_FILE:known_sites>
  DEPENDS known_sites VERBATIM)
add_custom_target(known_sites_stripped_bin ALL
  DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/known_sites_stripped)

add_executable(forker forker.c)
target_compile_options(forker PRIVATE -O2 -g -fomit-frame-pointer)
workload(forker)

add_executable(exec_after exec_after.c)
target_compile_options(exec_after PRIVATE -O2 -g -fomit-frame-pointer)
workload(exec_after)
