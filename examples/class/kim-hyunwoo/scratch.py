from ex01_partial_derivatives import *

print(df_dx(1, 2))
print(df_dy(1, 2))
# print(dg_dz(1, 0, 1))  TODO
