import minigrad as torch
import minigrad.nn as nn
class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.fc1 = nn.Linear(10, 20)
        self.bn1 = nn.BatchNorm1d(20)
        self.fc2 = nn.Linear(20, 2)
    def forward(self, x):
        x = self.fc1(x)
        x = self.bn1(x)
        x = torch.relu(x)
        x = self.fc2(x)
        return x
# Create an instance of the network
net = Net()
# Define your input data
input_data = torch.randn(5, 10)
# Pass the input data through the network
output = net(input_data)
# Print the output
print(output)
