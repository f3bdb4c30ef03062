// TempStore: a Store on a fresh database file in a temporary folder, removed afterwards.
#pragma once

#include <stdlib.h>

#include <memory>
#include <string>

#include "base/fs.h"
#include "store/store.h"

namespace mcf::store {

class TempStore {
 public:
  TempStore() {
    char tmpl[] = "/tmp/mcf-store-XXXXXX";
    if (mkdtemp(tmpl) != nullptr) dir_ = tmpl;
    reopen();
  }
  ~TempStore() {
    store_.reset();
    if (!dir_.empty()) (void)base::removeTree(dir_);
  }
  TempStore(const TempStore&) = delete;
  TempStore& operator=(const TempStore&) = delete;

  // Closes and opens the same file again (what a restart of microcf does).
  void reopen() {
    store_.reset();
    if (dir_.empty()) return;  // mkdtemp failed: ok() stays false
    auto opened = Store::open(path());
    if (opened.ok()) store_ = std::move(*opened);
  }
  std::string path() const { return dir_ + "/microcf.db"; }
  bool ok() const { return store_ != nullptr; }
  Store& operator*() { return *store_; }
  Store* operator->() { return store_.get(); }

 private:
  std::string dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace mcf::store
