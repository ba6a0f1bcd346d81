"""Tools the chapters use to look inside an LSTM: gate traces (:mod:`.trace`), gradient flow
and Jacobian norms (:mod:`.gradient_flow`), gradient clipping (:mod:`.clipping`), what each
argument of ``keras.layers.LSTM`` computes (:mod:`.layer_arguments`), where Keras computes
differently on its three backends (:mod:`.backend_differences`), and the benchmark's cases and
results (:mod:`.benchmark`)."""
