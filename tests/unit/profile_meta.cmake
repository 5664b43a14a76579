# profile_meta.cmake: unit test of the meta keys (schema/profile_meta.h) against their
# documentation in schema/README.md. Included from tests/unit/CMakeLists.txt.
add_executable(test_profile_meta ${CMAKE_CURRENT_LIST_DIR}/test_profile_meta.c)
target_link_libraries(test_profile_meta PRIVATE ap_schema)
add_test(NAME unit_profile_meta
  COMMAND test_profile_meta ${CMAKE_SOURCE_DIR}/schema/README.md)
set_tests_properties(unit_profile_meta PROPERTIES LABELS unit TIMEOUT 30)
