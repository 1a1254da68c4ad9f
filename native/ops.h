/* Node-API entry points of the fused kernels and the optimizer update (ops.c), registered by w2s_kernels.c. */
#ifndef W2S_OPS_H
#define W2S_OPS_H

#include "napi_args.h"

napi_value w2s_op_rmsnorm_forward(napi_env env, napi_callback_info info);
napi_value w2s_op_rmsnorm_backward(napi_env env, napi_callback_info info);
napi_value w2s_op_swiglu_forward(napi_env env, napi_callback_info info);
napi_value w2s_op_swiglu_backward(napi_env env, napi_callback_info info);
napi_value w2s_op_rope(napi_env env, napi_callback_info info);
napi_value w2s_op_cross_entropy(napi_env env, napi_callback_info info);
napi_value w2s_op_attention_forward(napi_env env, napi_callback_info info);
napi_value w2s_op_attention_backward(napi_env env, napi_callback_info info);
napi_value w2s_op_adamw_update(napi_env env, napi_callback_info info);
napi_value w2s_op_add_sum_squares(napi_env env, napi_callback_info info);
napi_value w2s_op_dropout_mask(napi_env env, napi_callback_info info);
napi_value w2s_op_dropout_masks(napi_env env, napi_callback_info info);
napi_value w2s_op_dropout_apply(napi_env env, napi_callback_info info);

#endif
