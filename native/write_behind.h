/* Node-API entry points of the write-behind thread (write_behind.c), registered by w2s_kernels.c. */
#ifndef W2S_WRITE_BEHIND_H
#define W2S_WRITE_BEHIND_H

#include "napi_args.h"

napi_value w2s_op_write_behind_start(napi_env env, napi_callback_info info);
napi_value w2s_op_write_behind_submit(napi_env env, napi_callback_info info);
napi_value w2s_op_write_behind_wait(napi_env env, napi_callback_info info);
napi_value w2s_op_write_behind_stop(napi_env env, napi_callback_info info);

#endif
