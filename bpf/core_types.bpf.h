/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel types uringlockstat reads, with only the fields it uses.
 * preserve_access_index makes every access a CO-RE relocation, so offsets come
 * from the running kernel's BTF, not from these declarations.
 */
#ifndef URINGLOCKSTAT_CORE_TYPES_BPF_H
#define URINGLOCKSTAT_CORE_TYPES_BPF_H

typedef unsigned char __u8;
typedef short int __s16;
typedef unsigned short __u16;
typedef int __s32;
typedef unsigned int __u32;
typedef long long __s64;
typedef unsigned long long __u64;
typedef __u32 u32;
typedef __u64 u64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u32 __wsum;
typedef _Bool bool;
enum { false = 0, true = 1 };

enum bpf_map_type {
	BPF_MAP_TYPE_HASH = 1,
	BPF_MAP_TYPE_ARRAY = 2,
	BPF_MAP_TYPE_PERCPU_HASH = 5,
	BPF_MAP_TYPE_PERCPU_ARRAY = 6,
	BPF_MAP_TYPE_STACK_TRACE = 7,
	BPF_MAP_TYPE_QUEUE = 22,
	BPF_MAP_TYPE_TASK_STORAGE = 29,
};

enum {
	BPF_F_NO_PREALLOC = 1,
	BPF_LOCAL_STORAGE_GET_F_CREATE = 1,
};

#define BPF_F_USER_STACK (1ULL << 8)

enum {
	BPF_ANY = 0,
	BPF_NOEXIST = 1,
};

#pragma clang attribute push(__attribute__((preserve_access_index)), apply_to = record)

typedef struct {
	long counter;
} atomic_long_t;

typedef struct {
	int counter;
} atomic_t;

struct list_head {
	struct list_head *next;
	struct list_head *prev;
};

struct mutex {
	atomic_long_t owner;
	struct list_head wait_list;
};

struct task_struct;

/* kernel/locking/mutex.h: a task queued on a mutex, linked by list into mutex.wait_list. */
struct mutex_waiter {
	struct list_head list;
	struct task_struct *task;
};

/* Newer kernels (7.x) point at the first waiter instead of heading a wait list. */
struct mutex___first_waiter {
	struct mutex_waiter *first_waiter;
};

struct thread_info {
	__u32 cpu;
};

struct files_struct;
struct io_uring_task;

struct signal_struct {
	atomic_t live;
};

struct task_struct {
	struct thread_info thread_info;
	unsigned int __state;
	unsigned int flags;
	struct signal_struct *signal;
	int pid;
	int tgid;
	char comm[16];
	struct task_struct *group_leader;
	struct files_struct *files;
	struct io_uring_task *io_uring;
};

/* Before 5.14 (commit 2f064a59a11f) the state was a long named state. */
struct task_struct___state_long {
	long state;
};

/* Before 5.16 (commit bcf9033e5449) the CPU lived in task_struct, not thread_info. */
struct task_struct___cpu_in_task {
	__u32 cpu;
};

struct file_operations {
	int (*release)(void *, void *);
};

struct qstr {
	const unsigned char *name;
};

struct dentry {
	struct qstr d_name;
};

struct path {
	struct dentry *dentry;
};

struct super_block {
	unsigned long s_magic;
};

struct inode {
	struct super_block *i_sb;
};

struct file {
	const struct file_operations *f_op;
	struct path f_path;
	struct inode *f_inode;
	void *private_data;
};

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
};

struct files_struct {
	struct fdtable *fdt;
};

struct work_struct {
	void *func;
};

struct io_ring_ctx {
	unsigned int flags;
	struct task_struct *submitter_task;
	struct mutex uring_lock;
	unsigned int cached_sq_head;
	unsigned int sq_entries;
	unsigned int cq_entries;
	struct work_struct exit_work;
};

struct io_uring_task {
	const struct io_ring_ctx *last;
	struct file *registered_rings[16];
};

struct pt_regs {
	unsigned long di;
	unsigned long si;
	unsigned long dx;
	unsigned long r10;
	unsigned long orig_ax;
	unsigned long ip;
};

struct seq_file;

struct bpf_iter_meta {
	struct seq_file *seq;
	__u64 session_id;
	__u64 seq_num;
};

struct bpf_iter__task_file {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
	__u32 fd;
	struct file *file;
};

struct bpf_iter__task {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
};

#pragma clang attribute pop

#endif
