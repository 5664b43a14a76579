# embed_sql.cmake: writes schema.sql as a C string constant (ap_schema_sql) and its version.
file(READ ${IN} sql)
string(REGEX MATCH "PRAGMA user_version = ([0-9]+)" _ "${sql}")
set(version ${CMAKE_MATCH_1})
string(REPLACE "\\" "\\\\" sql "${sql}")
string(REPLACE "\"" "\\\"" sql "${sql}")
string(REPLACE "\n" "\\n\"\n\t\"" sql "${sql}")
file(WRITE ${OUT} "/* Generated from schema/schema.sql by embed_sql.cmake. Do not edit. */\n"
  "const char ap_schema_sql[] =\n\t\"${sql}\";\n"
  "const int ap_schema_version_in_sql = ${version};\n")
