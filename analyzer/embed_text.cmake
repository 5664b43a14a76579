# embed_text.cmake: writes a text file (a page's script or style) as a C string constant, so that
# the analyzer's outputs carry it inline. cmake -DIN=file -DOUT=file.c -DNAME=symbol -P this.
# Every byte is kept; '?' is escaped so that no "??x" becomes a trigraph under -std=c11.
file(READ ${IN} text)
string(REPLACE "\\" "\\\\" text "${text}")
string(REPLACE "\"" "\\\"" text "${text}")
string(REPLACE "?" "\\?" text "${text}")
string(REPLACE "\n" "\\n\"\n\t\"" text "${text}")
file(WRITE ${OUT} "/* Generated from ${IN} by embed_text.cmake. Do not edit. */\n"
  "const char ${NAME}[] =\n\t\"${text}\";\n")
