# symbolize.cmake: unit test of agent/symbolize/symbolize.c. Builds the fixture (a PIE, -O2 -g, C and C++,
# --export-dynamic so a stripped copy keeps .dynsym names), a stripped copy of it, and test_symbolize,
# which checks the symbolizer's answers against the fixture's marked source lines; and copies whose
# symbols are elsewhere (build-id debug file, MiniDebugInfo). Included from
# tests/unit/CMakeLists.txt.
add_executable(symbolize_fixture ${CMAKE_CURRENT_LIST_DIR}/symbolize_fixture.c
                                 ${CMAKE_CURRENT_LIST_DIR}/symbolize_fixture_cpp.cpp)
# Appended after the build type's flags, so these win: the test's truth assumes -O2 -g.
target_compile_options(symbolize_fixture PRIVATE -O2 -g -fPIE)
target_link_options(symbolize_fixture PRIVATE -pie -Wl,--export-dynamic)

if(NOT CMAKE_OBJCOPY)
  find_program(CMAKE_OBJCOPY objcopy REQUIRED)
endif()
set(SYMBOLIZE_STRIPPED ${CMAKE_CURRENT_BINARY_DIR}/symbolize_fixture.stripped)
add_custom_command(OUTPUT ${SYMBOLIZE_STRIPPED}
  COMMAND ${CMAKE_OBJCOPY} --strip-all $<TARGET_FILE:symbolize_fixture> ${SYMBOLIZE_STRIPPED}
  DEPENDS symbolize_fixture
  COMMENT "Stripping a copy of symbolize_fixture")
add_custom_target(symbolize_fixture_stripped ALL DEPENDS ${SYMBOLIZE_STRIPPED})

# The stripped copy's symbols kept elsewhere: a separate debug file under a build-id directory,
# and a MiniDebugInfo copy (.gnu_debugdata); needs binutils and xz (scripts/setup).
set(SYMBOLIZE_MINIDEBUG ${CMAKE_CURRENT_BINARY_DIR}/symbolize_fixture.minidebug)
add_custom_command(OUTPUT ${SYMBOLIZE_MINIDEBUG}
  COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/make_debug_fixtures.sh $<TARGET_FILE:symbolize_fixture>
          ${SYMBOLIZE_STRIPPED} ${CMAKE_CURRENT_BINARY_DIR}
  DEPENDS symbolize_fixture ${SYMBOLIZE_STRIPPED} ${CMAKE_CURRENT_LIST_DIR}/make_debug_fixtures.sh
  COMMENT "Separate debug file and MiniDebugInfo copy of symbolize_fixture")
add_custom_target(symbolize_fixture_debug ALL DEPENDS ${SYMBOLIZE_MINIDEBUG})

add_executable(test_symbolize ${CMAKE_CURRENT_LIST_DIR}/test_symbolize.c)
target_link_libraries(test_symbolize PRIVATE ap_symbolize)
add_dependencies(test_symbolize symbolize_fixture symbolize_fixture_stripped symbolize_fixture_debug)

add_test(NAME symbolize
  COMMAND test_symbolize $<TARGET_FILE:symbolize_fixture> ${SYMBOLIZE_STRIPPED} ${CMAKE_CURRENT_LIST_DIR}
          ${SYMBOLIZE_MINIDEBUG} ${CMAKE_CURRENT_BINARY_DIR}/debugroot)
