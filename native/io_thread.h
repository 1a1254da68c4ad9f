/* Node-API entry points of the I/O thread (io_thread.c), registered by w2s_kernels.c. */
#ifndef W2S_IO_THREAD_H
#define W2S_IO_THREAD_H

#include "napi_args.h"

napi_value w2s_op_io_start(napi_env env, napi_callback_info info);
napi_value w2s_op_io_submit(napi_env env, napi_callback_info info);
napi_value w2s_op_io_wait(napi_env env, napi_callback_info info);
napi_value w2s_op_io_stop(napi_env env, napi_callback_info info);

#endif
