# The exercises notebook's Solution code for exercise 1, adapted only to the contract's names.
import numpy as np


def df_dx(x, y): return 3*x**2*y + y*np.exp(x*y)
def df_dy(x, y): return x**3 + x*np.exp(x*y)


def dg_dx(x,y,z): return y*np.cos(x*y) - 1/(x+z)
def dg_dy(x,y,z): return x*np.cos(x*y) + z**2
def dg_dz(x,y,z): return 2*y*z - 1/(x+z)


def grad_norm_sq(w): return 2 * w


# d^2f/dxdy = 3x^2 + exp(xy) + xy*exp(xy)
def d2f_dxdy(x0, y0): return 3*x0**2 + np.exp(x0*y0) + x0*y0*np.exp(x0*y0)


# The notebook's four-point estimate, with f taking (x, y) as the contract asks.
def mixed_partial_fd(f, x0, y0, h=1e-4):
    return (f(x0+h, y0+h) - f(x0+h, y0-h)
            - f(x0-h, y0+h) + f(x0-h, y0-h)) / (4*h**2)
