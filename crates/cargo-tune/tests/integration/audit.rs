use cargo_tune_test_support as _;
