# The sigmoid neuron of the CS231n note, with its weights and data as inputs.
w0 = 2; w1 = -3; w2 = -3
x0 = -1; x1 = -2
dot = w0*x0 + w1*x1 + w2
f = 1.0 / (1 + math.exp(-dot)) # sigmoid function
