# pico_embed_pem(<target> <VARIABLE> <file>): the examples compile certificates and keys
# in, as a device would (it has no file system): a header <VARIABLE>.h defining <VARIABLE>
# as a const char array holding the file's PEM text with its terminating NUL (what
# Mbed TLS's PEM parsers want: the length passed counts the NUL).
function(pico_embed_pem TARGET NAME FILE)
  file(READ ${FILE} pem)
  string(REPLACE "\\" "\\\\" pem "${pem}")
  string(REPLACE "\"" "\\\"" pem "${pem}")
  string(REPLACE "\n" "\\n\"\n  \"" pem "${pem}")
  set(dir ${CMAKE_CURRENT_BINARY_DIR}/${TARGET}_embed)
  file(WRITE ${dir}/${NAME}.h "/* generated from ${FILE} */\nstatic const char ${NAME}[] =\n  \"${pem}\";\n")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${FILE})
  target_include_directories(${TARGET} PRIVATE ${dir})
endfunction()
