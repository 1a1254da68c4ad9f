#!/usr/bin/env bash
# An example Slurm batch script: one `w2s_hf train` request over several machines with 8 GPUs each, one launcher per
# machine, the first machine of the allocation as the main one. Submit with `sbatch python/accelerate/slurm.sh req.json`
# from the package folder; CONFIG picks multi-node.yaml (DDP, the default), deepspeed-zero3.yaml or fsdp.yaml.
#SBATCH --job-name=w2s-train
#SBATCH --nodes=2
#SBATCH --ntasks-per-node=1
#SBATCH --gpus-per-node=8
#SBATCH --cpus-per-task=32
#SBATCH --exclusive
set -euo pipefail
REQUEST="${1:?usage: sbatch python/accelerate/slurm.sh <request.json>}"
CONFIG="${CONFIG:-python/accelerate/multi-node.yaml}"
PYTHON="${W2S_PYTHON:-python3}"
GPUS_PER_NODE="${GPUS_PER_NODE:-8}"
MAIN_IP="$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)"
MAIN_PORT="${MAIN_PORT:-29500}"
export PYTHONPATH="$PWD/python${PYTHONPATH:+:$PYTHONPATH}" TOKENIZERS_PARALLELISM=false PYTHONUNBUFFERED=1
# One task per machine; SLURM_NODEID (0 .. nodes-1) is the machine's rank. Only rank 0's process prints events.
srun --kill-on-bad-exit=1 bash -c "exec \"$PYTHON\" -m accelerate.commands.launch --config_file \"$CONFIG\" \
  --num_machines \"$SLURM_NNODES\" --num_processes \"$((SLURM_NNODES * GPUS_PER_NODE))\" --machine_rank \"\$SLURM_NODEID\" \
  --main_process_ip \"$MAIN_IP\" --main_process_port \"$MAIN_PORT\" \
  -m w2s_hf train --request \"$REQUEST\""
